import type { FastifyInstance } from 'fastify'
import { KeywardError } from '../core/errors.js'

/**
 * JSON bodies, leniently: an empty body labelled application/json is a request
 * without a body (realm-web and the Fluxbase client send those), and
 * `application/*+json` and charset variants are accepted. Parsing itself is
 * Fastify's (prototype-poisoning safe); bad JSON is a 400 `invalid_json`.
 */
export function installJsonParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser(['application/json', 'text/plain'])
  app.addContentTypeParser(/^application\/([\w.+-]+\+)?json(\s*;.*)?$/i, { parseAs: 'string' }, (req, body, done) => {
    if ((body as string).trim() === '') return done(null, undefined)
    parse(req, body as string, (err, value) => {
      if (err) return done(new KeywardError('invalid_json', 'request body is not valid JSON'), undefined)
      done(null, value)
    })
  })
}
