/**
 * Schema errors in words a person can act on. Ajv says `must NOT have more than 100
 * characters` about `/name`; people read "Name is at most 100 characters". The
 * machine-readable part (`field`, `keyword`, `params`) stays in `details` beside it.
 */
import { LIMIT_NAME_PATTERN } from '../core/limits.js'
import { HANDLE_PATTERN } from '../services/orgs/org-service.js'

/** One Ajv error, as Fastify hands it over. */
export interface SchemaProblem {
  instancePath: string
  keyword: string
  message?: string
  params: Record<string, unknown>
}

/** Patterns our schemas use, described instead of shown. */
const PATTERN_WORDS: Record<string, string> = {
  '^[A-Za-z0-9._-]+$': 'letters, digits, dots, underscores and hyphens',
  '^[A-Za-z0-9][A-Za-z0-9._-]*$': 'letters, digits, dots, underscores and hyphens, starting with a letter or digit',
  '^[a-z][a-z0-9]{0,15}$': 'a lowercase letter followed by up to 15 lowercase letters or digits',
  '^[^\\s]+$': 'text without spaces',
  '\\S': 'text, not only spaces',
  '^[0-9]{1,10}$': 'digits',
  '^[0-9a-fA-F]{32}$|^[0-9a-fA-F]{62}$': '32 or 62 hexadecimal digits',
  // A named limit's name: the dashboard showed the regex itself for an empty one (a new user's find).
  [LIMIT_NAME_PATTERN]: 'letters, digits and . _ : - (1 to 64 of them)',
  // An organization's handle: it was shown as its regex, in the CLI and the dashboard's new organization form.
  [HANDLE_PATTERN]: 'lowercase letters, digits, underscores and hyphens, starting with a letter or digit (at most 64)',
}

const FORMAT_WORDS: Record<string, string> = {
  'date-time': 'a date and time such as 2027-01-31T12:00:00Z',
  email: 'an email address',
  uri: 'a URL',
  uuid: 'a UUID',
}

const TYPE_WORDS: Record<string, string> = {
  integer: 'a whole number',
  number: 'a number',
  string: 'text',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
  null: 'empty',
}

/** Fields whose plain spelling would read badly ("Rate limit limit"). */
const FIELD_LABELS: Record<string, string> = {
  '/expires_at': 'Expiry',
  '/rate_limit/limit': 'The rate limit',
  '/rate_limit/window_s': 'The rate-limit window (seconds)',
  '/refill/amount': 'The refill amount',
  '/refill/interval_s': 'The refill interval (seconds)',
  '/remaining': 'Uses left',
  '/grace_period_s': 'The grace period (seconds)',
}

/** A property name in words: `window_s` → "window (s)". */
const words = (name: string) => name.replace(/_s$/, ' (s)').replace(/_/g, ' ')

/** A field of one named limit (`/ratelimits/0/limit`), which forms show as rows numbered from 1. */
const LIMIT_FIELD = /^\/ratelimits\/(\d+)\/(\w+)$/

/**
 * `/name` → "Name"; `/scopes/0` → "Scopes item 1"; `/a_b_s` → "A b (s)"; `/ratelimits/0/window_s` →
 * "Rate limit 1: the window (s)"; root → "The request".
 */
export function fieldLabel(path: string): string {
  const known = FIELD_LABELS[path]
  if (known) return known
  const limit = LIMIT_FIELD.exec(path)
  if (limit) return `Rate limit ${Number(limit[1]) + 1}: the ${words(limit[2]!)}`
  const parts = path.split('/').filter(Boolean)
  if (parts.length === 0) return 'The request'
  const text = parts.map((p) => (/^\d+$/.test(p) ? `item ${Number(p) + 1}` : words(p))).join(' ')
  return text.charAt(0).toUpperCase() + text.slice(1)
}

const plural = (n: unknown, one: string) => `${String(n)} ${one}${n === 1 ? '' : 's'}`

type Sentence = (label: string, p: Record<string, unknown>, path: string) => string

/** One sentence per Ajv keyword; anything else falls back to Ajv's own words after the label. */
const SENTENCES: Record<string, Sentence> = {
  // `required` is reported on the object; the sentence names the missing property in it.
  required: (_l, p, path) => `${fieldLabel(`${path}/${String(p.missingProperty)}`)} is required`,
  additionalProperties: (_l, p) => `"${String(p.additionalProperty)}" is not a field this request accepts`,
  minLength: (l, p) => (p.limit === 1 ? `${l} cannot be empty` : `${l} needs at least ${plural(p.limit, 'character')}`),
  maxLength: (l, p) => `${l} is at most ${plural(p.limit, 'character')}`,
  minimum: (l, p) => `${l} must be at least ${String(p.limit)}`,
  maximum: (l, p) => `${l} must be at most ${String(p.limit)}`,
  exclusiveMinimum: (l, p) => `${l} must be more than ${String(p.limit)}`,
  minItems: (l, p) => `${l} needs at least ${plural(p.limit, 'item')}`,
  maxItems: (l, p) => `${l} holds at most ${plural(p.limit, 'item')}`,
  uniqueItems: (l) => `${l} lists the same value twice`,
  format: (l, p) => `${l} must be ${FORMAT_WORDS[String(p.format)] ?? `in the ${String(p.format)} format`}`,
  pattern: (l, p) =>
    `${l} may only contain ${PATTERN_WORDS[String(p.pattern)] ?? `text matching ${String(p.pattern)}`}`,
  type: (l, p) =>
    `${l} must be ${String(p.type)
      .split(',')
      .map((t) => TYPE_WORDS[t] ?? t)
      .join(' or ')}`,
  enum: (l, p) => `${l} must be one of: ${(p.allowedValues as unknown[]).map(String).join(', ')}`,
  const: (l, p) => `${l} must be ${String(p.allowedValue)}`,
}

/** The sentence for one problem. */
export function describeProblem(e: SchemaProblem): string {
  const label = fieldLabel(e.instancePath)
  const sentence = SENTENCES[e.keyword]
  if (!sentence) return `${label}: ${e.message ?? 'is not valid'}`
  return sentence(label, e.params, e.instancePath)
}

/**
 * A union of constants (`anyOf` of `const`: the status filter) fails once per branch, then as a whole.
 * Folds those into one `enum`-shaped problem ("Status must be one of: active, …"); other problems pass through.
 */
export function foldUnions(problems: readonly SchemaProblem[]): SchemaProblem[] {
  const out: SchemaProblem[] = []
  for (const p of problems) {
    if (p.keyword !== 'anyOf') {
      out.push(p)
      continue
    }
    const branches = out.filter((q) => q.instancePath === p.instancePath && q.keyword === 'const')
    if (branches.length === 0) {
      out.push(p)
      continue
    }
    const allowedValues = branches.map((q) => q.params.allowedValue)
    out.splice(0, out.length, ...out.filter((q) => !branches.includes(q)))
    out.push({ instancePath: p.instancePath, keyword: 'enum', params: { allowedValues } })
  }
  return out
}
