import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { keyPrefixOf } from '@keyward/client'
import fc from 'fast-check'
import { classifyKey, generateKey, hashSecret, isWellFormedKey, visiblePrefix } from '../../src/core/key-format.js'

describe('key format', () => {
  it('generates keys that classify as Keyward keys with their prefix', () => {
    for (const prefix of ['kw', 'a', 'live', 'sk2test']) {
      const key = generateKey(prefix)
      assert.match(key, new RegExp(`^${prefix}_[0-9A-Za-z]{49}$`))
      assert.deepEqual(classifyKey(key), { kind: 'keyward', prefix })
    }
  })

  it('never generates the same key twice in 10k draws', () => {
    const seen = new Set(Array.from({ length: 10_000 }, () => generateKey()))
    assert.equal(seen.size, 10_000)
  })

  it('rejects any single-character change to a key as malformed (checksum)', () => {
    const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
    fc.assert(
      fc.property(fc.nat(), fc.constantFrom(...alphabet), (pos, ch) => {
        const key = generateKey()
        const i = 3 + (pos % (key.length - 3))
        fc.pre(key[i] !== ch)
        const typo = key.slice(0, i) + ch + key.slice(i + 1)
        return classifyKey(typo).kind === 'malformed'
      }),
      { numRuns: 2000 },
    )
  })

  it("decides well-formedness like classifyKey (the table CRC agrees with zlib's)", () => {
    const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
    const typo = fc.tuple(fc.nat(), fc.constantFrom(...alphabet)).map(([pos, ch]) => {
      const key = generateKey()
      const i = pos % key.length
      return key.slice(0, i) + ch + key.slice(i + 1)
    })
    // Prefixes of any length and characters (the hand-written shape check finds the `_` by position),
    // then one character anywhere replaced by one the shape refuses, or kept.
    const oddChars = [...'az09AZ_é \n\u{1F511}']
    const shaped = fc
      .tuple(
        fc.string({ unit: fc.constantFrom(...oddChars), maxLength: 18 }),
        fc.nat(),
        fc.constantFrom('', ...oddChars),
      )
      .map(([prefix, pos, ch]) => {
        const key = /^[a-z][a-z0-9]{0,15}$/.test(prefix) ? generateKey(prefix) : `${prefix}${generateKey().slice(2)}`
        const i = pos % key.length
        return ch === '' ? key : key.slice(0, i) + ch + key.slice(i + 1)
      })
    const anyKey = fc.oneof(
      typo,
      shaped,
      fc.constantFrom('a', 'kw', 'live').map(generateKey),
      fc.string({ maxLength: 80 }),
      fc.string({ minLength: 30, maxLength: 60, unit: 'binary' }),
    )
    fc.assert(
      fc.property(anyKey, (key) => isWellFormedKey(key) === (classifyKey(key).kind !== 'malformed')),
      { numRuns: 5000 },
    )
  })

  it('treats long keys of another shape as foreign and short ones as malformed', () => {
    assert.equal(classifyKey('a'.repeat(32)).kind, 'foreign')
    assert.equal(classifyKey('0123456789abcdef0123456789abcdef').kind, 'foreign')
    assert.equal(classifyKey('a'.repeat(31)).kind, 'malformed')
    assert.equal(classifyKey('').kind, 'malformed')
    assert.equal(classifyKey('has space'.padEnd(40, 'x')).kind, 'malformed')
  })

  it('shows a prefix that identifies the key without revealing it', () => {
    const key = generateKey('kw')
    const shown = visiblePrefix(key)
    assert.equal(shown, key.slice(0, 9))
    assert.ok(shown.length < key.length / 4)
  })

  it("the SDK's keyPrefixOf (its own copy: the SDK has no dependencies) cuts every text as visiblePrefix does", () => {
    const texts = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.constantFrom(
        '_abcdefgh',
        'a'.repeat(16) + '_bcdefghij',
        'a'.repeat(17) + '_bcdefghij',
        'kw_',
        'kw_ab',
        'Ab_cdefghij',
        '9a_bcdefghij',
      ),
      fc.constantFrom('kw', 'live', 'sk2test').map((p) => generateKey(p)),
    )
    fc.assert(fc.property(texts, (text) => keyPrefixOf(text) === visiblePrefix(text)))
  })

  it('hashes with SHA-256 hex', () => {
    assert.equal(hashSecret('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
  })
})
