/**
 * A lake closed twice (a signal beside a failure's close, a test's cleanup beside the server's):
 * the second close is done when the first is, not at once while the first still waits for its
 * threads, writes and files.
 */
import {expect, test} from 'vitest'
import {createTestLake} from '../../helpers/lake.ts'

test("a second close of a lake is done only once the first is: its caller never goes on while the lake's files are still open", async () => {
  const lake = await createTestLake()
  try {
    await lake.client().create({_id: 'a', _type: 'article', title: 'before the close'})
    let firstDone = false
    const first = lake.lake.close().then(() => (firstDone = true))
    // Registered before the second's wait: the same close done runs this first, whatever the
    // machine's load; a close of its own (a boolean guard) was done at once.
    await lake.lake.close()
    expect(firstDone, 'the second close was done while the first still ran').toBe(true)
    await first
  } finally {
    await lake.close()
  }
})
