import { Ajv, type Options, type ValidateFunction } from 'ajv'
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
  app.setValidatorCompiler(({ schema, httpPart }) =>
    httpPart === 'body' ? json.compile(schema) : decimalIntegersOnly(schema as TextSchema, textual.compile(schema)),
  )
}

/** An integer written in text: decimal digits, no sign but `-`, no leading zero, no spaces. */
const decimal = /^-?(0|[1-9][0-9]*)$/

/** A path or query schema: an object of named parts, some of them integers or lists of integers. */
interface TextSchema {
  properties?: Record<string, { type?: string; items?: { type?: string } }>
}

/**
 * Ajv coerces text to a number when `text == +text`, which reads `0x10` as 16, `1e3` as 1000 and
 * ` 7` as 7 (an attacker's find: `/v1/keys/0x10` answered key 16). Integer parts of a path or query
 * are refused as not integers unless written in decimal digits, before Ajv sees them.
 */
function decimalIntegersOnly(schema: TextSchema, validate: ValidateFunction): ValidateFunction {
  const integers = Object.entries(schema.properties ?? {})
    .filter(([, p]) => p.type === 'integer' || p.items?.type === 'integer')
    .map(([name]) => name)
  if (integers.length === 0) return validate
  const checked = ((data: Record<string, unknown> | null) => {
    const name = integers.find((n) => [data?.[n]].flat().some((v) => typeof v === 'string' && !decimal.test(v)))
    checked.errors = name
      ? [{ instancePath: `/${name}`, schemaPath: '', keyword: 'type', params: { type: 'integer' } }]
      : null
    if (name) return false
    const ok = validate(data)
    checked.errors = validate.errors
    return ok
  }) as ValidateFunction
  return checked
}
