/** A plain Portable Text paragraph, as the Studio stores one: one span, no marks. */
export const block = (key: string, text: string) => ({
  _type: 'block',
  _key: key,
  style: 'normal',
  markDefs: [],
  children: [{_type: 'span', _key: `${key}s`, text, marks: []}],
})
