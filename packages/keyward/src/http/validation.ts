import { Ajv, type Options } from 'ajv'
import addFormatsImport from 'ajv-formats'
import type { FastifyInstance } from 'fastify'

const addFormats = addFormatsImport as unknown as (ajv: Ajv) => Ajv

/**
 * Validators per request part. Query strings and path params are text, so their
 * numbers and lists are coerced; JSON bodies are typed already and are never
 * coerced (a string `"a"` is not a list of scopes, `null` is not `0`).
 * Unknown properties are errors, not silently dropped.
 */
export function installValidators(app: FastifyInstance): void {
  const base: Options = { allErrors: false, removeAdditional: false, useDefaults: true, strict: false }
  const make = (coerceTypes: Options['coerceTypes']) => addFormats(new Ajv({ ...base, coerceTypes }))
  const textual = make('array')
  const json = make(false)
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? json : textual).compile(schema))
}
