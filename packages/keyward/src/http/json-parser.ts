import { isUtf8 } from 'node:buffer'
import type { FastifyInstance } from 'fastify'
import { KeywardError } from '../core/errors.js'

/** True when `bad` holds for any string or property name in a parsed JSON value. */
function anyText(value: unknown, bad: (s: string) => boolean): boolean {
  if (typeof value === 'string') return bad(value)
  if (Array.isArray(value)) return value.some((v) => anyText(v, bad))
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).some(([k, v]) => bad(k) || anyText(v, bad))
  }
  return false
}

/** True when a parsed JSON value holds a NUL character in any string or property name. */
export const containsNul = (value: unknown): boolean => anyText(value, (s) => s.includes('\u0000'))

/** True when a parsed JSON value holds half a surrogate pair (`"\ud800"`): no character, and no UTF-8 for it. */
export const containsLoneSurrogate = (value: unknown): boolean => anyText(value, (s) => LONE_SURROGATE.test(s))

/** With the `u` flag a pair is one code point above U+FFFF: only a half alone falls in this range. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u

/** An escaped surrogate in JSON text (paired or not): only then can a parsed value hold a lone one. */
const ESCAPED_SURROGATE = /\\u[dD][89a-fA-F]/

/** No body of any face nests deeper than this (a key's meta: 8 levels inside the body). */
export const JSON_MAX_DEPTH = 32

/**
 * True when JSON text opens more than `max` arrays/objects at once. One pass over the text,
 * before parsing: deeper values cost the recursive parser and `JSON.stringify` their stack
 * (a RangeError, a 500), and no client sends them. Brackets inside strings are text.
 */
export function nestingExceeds(text: string, max: number): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c)
        i++ // backslash: skip the escaped character
      else if (c === 0x22) inString = false
    } else if (c === 0x22) inString = true
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true
    } else if (c === 0x7d || c === 0x5d) depth--
  }
  return false
}

const tooDeep = () => new KeywardError('validation_failed', `JSON body nests deeper than ${JSON_MAX_DEPTH} levels`)

const nulRefused = () => new KeywardError('validation_failed', 'text must not contain NUL characters (\\u0000)')
const notUtf8 = () => new KeywardError('invalid_json', 'request body is not valid UTF-8')
const loneSurrogate = () =>
  new KeywardError('validation_failed', 'text must not contain half of a surrogate pair (\\ud800–\\udfff alone)')

/**
 * JSON bodies, leniently: an empty body labelled application/json is a request
 * without a body (realm-web and the Fluxbase client send those), and
 * `application/*+json` and charset variants are accepted. Parsing itself is
 * Fastify's (prototype-poisoning safe); bad JSON is a 400 `invalid_json`.
 *
 * Absurd nesting (more than JSON_MAX_DEPTH levels) is refused before parsing, as a 400.
 *
 * NUL characters are refused here, for every face at once: PostgreSQL text
 * cannot hold them (the insert or even the lookup fails, a 500), and no name,
 * email, password or key legitimately contains one. The same goes for `%00`
 * in a URL (query strings, path ids, OData filters).
 */
export function installJsonParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser(['application/json', 'text/plain'])
  app.addContentTypeParser(/^application\/([\w.+-]+\+)?json(\s*;.*)?$/i, { parseAs: 'buffer' }, (req, raw, done) => {
    // Bytes that are not UTF-8 were decoded to U+FFFD and stored so, silently (a fuzzer's find).
    if (!isUtf8(raw as Buffer)) return done(notUtf8(), undefined)
    const body = (raw as Buffer).toString('utf8')
    if (body.trim() === '') return done(null, undefined)
    if (nestingExceeds(body, JSON_MAX_DEPTH)) return done(tooDeep(), undefined)
    void parse(req, body, (err, value) => {
      if (err) return done(new KeywardError('invalid_json', 'request body is not valid JSON'), undefined)
      // JSON text can only make a NUL with the escape \u0000 (a raw one is invalid JSON), so
      // most bodies skip the walk; a match may be an escaped backslash, and the walk decides.
      if (body.includes('\\u0000') && containsNul(value)) return done(nulRefused(), undefined)
      // Likewise a lone surrogate: each store wrote it differently (U+FFFD once or thrice, or kept).
      if (ESCAPED_SURROGATE.test(body) && containsLoneSurrogate(value)) return done(loneSurrogate(), undefined)
      done(null, value)
    })
  })
  // Hooks run in each route's context, so every face answers in its own envelope.
  app.addHook('onRequest', (req, _reply, done) => {
    done(req.url.includes('%00') || req.url.includes('\u0000') ? nulRefused() : undefined)
  })
}
