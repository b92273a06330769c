/**
 * lake/core's UTF-8 helpers (web-standard types, no Buffer) give what Node's Buffer gave for the
 * same input, including the awkward cases: lone surrogates, a BOM, malformed bytes.
 */
import {describe, expect, it} from 'vitest'
import {indexOfAscii, utf8ByteLength, utf8Text} from '../../../lake/core/utf8.ts'

const TEXTS = [
  '',
  'plain ASCII',
  'বাংলা সংবাদ শিরোনাম',
  'é and ß: two bytes',
  'emoji 😀 and 🇧🇩',
  'lone high \ud83d at the end \ud83d',
  'lone low \ude00 first',
  '\ufeffBOM first',
  JSON.stringify({title: 'শিরোনাম', body: [{_key: 'a', text: 'x'.repeat(300)}]}),
]

describe('utf8ByteLength', () => {
  it.each(TEXTS)('counts %j as Buffer.byteLength does', (text) => {
    expect(utf8ByteLength(text)).toBe(Buffer.byteLength(text))
    expect(utf8ByteLength(text)).toBe(new TextEncoder().encode(text).byteLength)
  })
})

describe('utf8Text', () => {
  it.each(TEXTS)('decodes %j as Buffer does', (text) => {
    const bytes = new TextEncoder().encode(text)
    expect(utf8Text(bytes)).toBe(Buffer.from(bytes).toString('utf8'))
  })

  it('decodes malformed bytes and views into a larger buffer as Buffer does', () => {
    const bytes = new Uint8Array([0x41, 0xff, 0xe0, 0xa6, 0x42, 0xc3, 0x43])
    expect(utf8Text(bytes)).toBe(Buffer.from(bytes).toString('utf8'))
    expect(utf8Text(bytes.subarray(2, 5))).toBe(Buffer.from(bytes.subarray(2, 5)).toString('utf8'))
  })

  it('decodes a view of a SharedArrayBuffer', () => {
    const text = 'বাংলা {"a":1}'
    const plain = new TextEncoder().encode(text)
    const shared = new Uint8Array(new SharedArrayBuffer(plain.byteLength))
    shared.set(plain)
    expect(utf8Text(shared)).toBe(text)
  })
})

describe('indexOfAscii', () => {
  it('finds every occurrence Buffer.indexOf finds, overlapping and at the edges', () => {
    const cases: Array<[string, string]> = [
      ['abcSTANDxSTANDSTAND', 'STAND'],
      ['STAND', 'STAND'],
      ['STAN', 'STAND'],
      ['aaaa', 'aa'],
      ['বাংলাQZQZQবাংলাQZQ', 'QZQ'],
      ['no match here', 'xyz'],
    ]
    for (const [text, ascii] of cases) {
      const bytes = new TextEncoder().encode(text)
      const buffer = Buffer.from(bytes)
      const expected: number[] = []
      for (
        let at = buffer.indexOf(ascii, 0, 'latin1');
        at >= 0;
        at = buffer.indexOf(ascii, at + 1, 'latin1')
      )
        expected.push(at)
      const found: number[] = []
      for (let at = indexOfAscii(bytes, ascii); at >= 0; at = indexOfAscii(bytes, ascii, at + 1))
        found.push(at)
      expect(found, text).toEqual(expected)
    }
  })
})
