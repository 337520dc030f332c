import { hash, randomBytes } from 'node:crypto'
import { crc32 } from 'node:zlib'

/**
 * Key format: `<prefix>_<43 base62 chars of 32 random bytes><6 base62 chars of CRC32>`.
 * The checksum covers everything before it, so a verifier (and a secret scanner)
 * can reject a mistyped or truncated key without touching the database.
 */
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
const BODY_LENGTH = 43 // ceil(256 / log2(62))
const CHECKSUM_LENGTH = 6 // ceil(32 / log2(62))
export const DEFAULT_KEY_PREFIX = 'kw'
export const PREFIX_PATTERN = /^[a-z][a-z0-9]{0,15}$/
/** Shortest key of a foreign format (imported, device-generated) that we accept. */
export const MIN_FOREIGN_KEY_LENGTH = 32
/** Longest key of any format: nothing longer is hashed. */
const MAX_KEY_LENGTH = 512
const KEYWARD_SHAPE = /^([a-z][a-z0-9]{0,15})_([0-9A-Za-z]{43})([0-9A-Za-z]{6})$/
/** How many characters of a key are shown to tell keys apart: the prefix, `_` and 6 body chars. */
const VISIBLE_BODY_CHARS = 6

function base62(value: bigint, width: number): string {
  let out = ''
  let v = value
  while (v > 0n) {
    out = ALPHABET[Number(v % 62n)] + out
    v /= 62n
  }
  return out.padStart(width, '0')
}

/** Base62 of the CRC32, in plain number arithmetic: it runs on every verification. */
function checksum(text: string): string {
  let v = crc32(text)
  let out = ''
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    out = ALPHABET[v % 62] + out
    v = Math.floor(v / 62)
  }
  return out
}

/** A new random key with a valid checksum. */
export function generateKey(prefix: string = DEFAULT_KEY_PREFIX): string {
  const body = base62(BigInt('0x' + randomBytes(32).toString('hex')), BODY_LENGTH)
  const head = `${prefix}_${body}`
  return head + checksum(head)
}

export type KeyShape = { kind: 'keyward'; prefix: string } | { kind: 'foreign' } | { kind: 'malformed' }

/**
 * Classifies a presented key without I/O. A key that claims our shape must carry
 * a valid checksum; anything else long enough is a foreign key looked up by hash.
 */
export function classifyKey(key: string): KeyShape {
  const m = KEYWARD_SHAPE.exec(key)
  if (m) {
    const head = `${m[1]}_${m[2]}`
    return checksum(head) === m[3] ? { kind: 'keyward', prefix: m[1]! } : { kind: 'malformed' }
  }
  if (hasKeyLength(key) && !/\s/.test(key)) return { kind: 'foreign' }
  return { kind: 'malformed' }
}

/**
 * `classifyKey(key).kind !== 'malformed'`, without allocating: the verification hot path's
 * first step, run before the SHA-256 on every call, so it must cost well under the hash.
 * By hand, no regex: `KEYWARD_SHAPE.test` alone cost about as much as the checksum (issue 11,
 * DESIGN.md "Verification"); a key of our shape is checked and its CRC computed in one pass.
 */
export function isWellFormedKey(key: string): boolean {
  const shape = keywardChecksum(key)
  if (shape === NOT_OURS) return hasKeyLength(key) && !/\s/.test(key)
  return shape === CHECKSUM_OK
}

/**
 * Whether a key of some format could be this long (a Keyward key is 51–66 characters): the one
 * check a verification makes before hashing, so no megabyte string is hashed. Necessary for
 * `isWellFormedKey`, not sufficient.
 */
export function hasKeyLength(key: string): boolean {
  return key.length >= MIN_FOREIGN_KEY_LENGTH && key.length <= MAX_KEY_LENGTH
}

/** Character classes of ASCII codes: bit 1 a prefix character (after the first), bit 2 a body (base62) one. */
const PREFIX_CHAR = 1
const BODY_CHAR = 2
const CHAR_CLASS = Uint8Array.from({ length: 128 }, (_, c) => {
  const ch = String.fromCharCode(c)
  return (/[a-z0-9]/.test(ch) ? PREFIX_CHAR : 0) | (ALPHABET.includes(ch) ? BODY_CHAR : 0)
})
/** Body and checksum together: everything after the `_`. */
const TAIL_LENGTH = BODY_LENGTH + CHECKSUM_LENGTH

/** CRC-32 (IEEE, zlib's) lookup table. */
const CRC_TABLE = Int32Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c
})

const NOT_OURS = 0
const CHECKSUM_OK = 1
const CHECKSUM_BAD = 2

/**
 * `KEYWARD_SHAPE` and the checksum by hand: NOT_OURS when the regex would not match, else whether
 * the last 6 characters are the base62 CRC-32 of the rest. Neither the prefix nor the tail may
 * hold a `_`, so the only `_` sits `TAIL_LENGTH` characters from the end. Every character checked
 * is ASCII, so the CRC of the char codes is zlib's CRC of the UTF-8 bytes. Tests
 * (test/core/key-format.test.ts) hold it equal to `classifyKey`.
 */
function keywardChecksum(key: string): number {
  const underscore = key.length - TAIL_LENGTH - 1
  if (underscore < 1 || underscore > 16 || key.charCodeAt(underscore) !== 95) return NOT_OURS // '_'
  const first = key.charCodeAt(0)
  if (first < 97 || first > 122) return NOT_OURS // a-z
  const end = key.length - CHECKSUM_LENGTH
  let crc = CRC_TABLE[(-1 ^ first) & 0xff]! ^ (-1 >>> 8)
  for (let i = 1; i < end; i++) {
    const c = key.charCodeAt(i)
    if (i !== underscore && !((CHAR_CLASS[c] ?? 0) & (i < underscore ? PREFIX_CHAR : BODY_CHAR))) return NOT_OURS
    crc = CRC_TABLE[(crc ^ c) & 0xff]! ^ (crc >>> 8)
  }
  let v = (crc ^ -1) >>> 0
  let verdict = CHECKSUM_OK
  for (let i = key.length - 1; i >= end; i--) {
    const c = key.charCodeAt(i)
    if (!((CHAR_CLASS[c] ?? 0) & BODY_CHAR)) return NOT_OURS
    if (c !== ALPHABET.charCodeAt(v % 62)) verdict = CHECKSUM_BAD
    v = Math.floor(v / 62)
  }
  return verdict
}

/**
 * SHA-256 hex: the only form in which a key or token is stored. The one-shot `crypto.hash`
 * (Node ≥ 20.12), not `createHash().update().digest()`: no Hash object per call, about
 * 300 ns instead of 900 ns for a key on this project's machines (issue 11; same digest).
 */
export function hashSecret(secret: string): string {
  return hash('sha256', secret, 'hex')
}

/**
 * The non-secret start of a key, stored and shown so people can tell keys apart: its label and
 * `VISIBLE_BODY_CHARS` characters. Invariant: it shows at most 6 characters of anything that may be
 * secret. What stands before the first `_` is a label only when it is one by Keyward's own rule
 * (`PREFIX_PATTERN`, so every Keyward key and an `sk_live_…` keep theirs); a secret made elsewhere
 * (an import, a device's own key) whose random part holds a `_` showed up to 23 of its 32 characters
 * to everyone who may see the key (an attacker's find, `test/attack/foreign-key-prefix`). The SDK's
 * `keyPrefixOf` is a copy: change both.
 */
export function visiblePrefix(key: string): string {
  const underscore = key.indexOf('_')
  if (underscore > 0 && PREFIX_PATTERN.test(key.slice(0, underscore)))
    return key.slice(0, underscore + 1 + VISIBLE_BODY_CHARS)
  return key.slice(0, VISIBLE_BODY_CHARS)
}
