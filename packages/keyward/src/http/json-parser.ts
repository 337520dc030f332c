import type { FastifyInstance } from 'fastify'
import { KeywardError } from '../core/errors.js'

/** True when a parsed JSON value holds a NUL character in any string or property name. */
export function containsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000')
  if (Array.isArray(value)) return value.some(containsNul)
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).some(([k, v]) => k.includes('\u0000') || containsNul(v))
  }
  return false
}

const nulRefused = () => new KeywardError('validation_failed', 'text must not contain NUL characters (\\u0000)')

/**
 * JSON bodies, leniently: an empty body labelled application/json is a request
 * without a body (realm-web and the Fluxbase client send those), and
 * `application/*+json` and charset variants are accepted. Parsing itself is
 * Fastify's (prototype-poisoning safe); bad JSON is a 400 `invalid_json`.
 *
 * NUL characters are refused here, for every face at once: PostgreSQL text
 * cannot hold them (the insert or even the lookup fails, a 500), and no name,
 * email, password or key legitimately contains one. The same goes for `%00`
 * in a URL (query strings, path ids, OData filters).
 */
export function installJsonParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser(['application/json', 'text/plain'])
  app.addContentTypeParser(/^application\/([\w.+-]+\+)?json(\s*;.*)?$/i, { parseAs: 'string' }, (req, body, done) => {
    if ((body as string).trim() === '') return done(null, undefined)
    void parse(req, body as string, (err, value) => {
      if (err) return done(new KeywardError('invalid_json', 'request body is not valid JSON'), undefined)
      if (containsNul(value)) return done(nulRefused(), undefined)
      done(null, value)
    })
  })
  // Hooks run in each route's context, so every face answers in its own envelope.
  app.addHook('onRequest', async (req) => {
    if (/%00/.test(req.url) || req.url.includes('\u0000')) throw nulRefused()
  })
}
