// A number typed in Bengali digits: the headline's ক্রম (position) takes ৭৫ and stores 75. The
// Studio's own number input (<input type="number">) left the field empty, with no message.
import {expect, test} from './support/fixtures.ts'
import {appears, input, signIn, waitSaved} from './support/studio-ui.ts'

const TEXT = 'বাংলা অঙ্কে ক্রম লেখা যায়'

test('the headline’s position takes Bengali digits and stores the number', async ({page, lake}) => {
  await signIn(page)
  await page.getByTestId('pane-item-শিরোনাম তালিকা').click()
  await appears(page.getByTestId('document-list-pane'))
  await page.getByTestId('action-intent-button').click()
  const pane = page.getByTestId('document-pane')
  const text = input(pane, 'text')
  // The new headline's form: as long to render as a story's under load (documentPane).
  await appears(text, 90_000)
  await text.click()
  await page.keyboard.type(TEXT)

  const position = input(pane, 'position')
  await position.click()
  await position.press('ControlOrMeta+a')
  await page.keyboard.type('৭৫')
  await expect(position).toHaveValue('৭৫')
  await waitSaved(pane)
  const stored = () =>
    lake
      .client()
      .withConfig({perspective: 'raw'})
      .fetch<number | null>('*[_type == "headline" && text == $text][0].position', {text: TEXT})
  await expect.poll(stored).toBe(75)

  // Away from the field, the stored number shows in Bengali digits.
  await text.click()
  await expect(position).toHaveValue('৭৫')

  // Not a number: the editor is told, and the stored number stays.
  await position.click()
  await page.keyboard.type('ক')
  await expect(pane.getByTestId('number-input-invalid')).toBeVisible()
  expect(await stored()).toBe(75)
})
