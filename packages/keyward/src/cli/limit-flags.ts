import { InvalidArgumentError } from 'commander'
import type { CheckedLimit, NamedLimit, NamedLimitInput } from '@keyward/client'
import { parse } from './parse.js'
import { table, when } from './output.js'

/** Named-limit flags, shared by `keys` and `identities`: repeatable `--ratelimit name:limit/window[:auto]`. */
export const limitFlags = {
  /** `tokens:1000/1h`, `requests:100/60s:auto` (auto: checked on every verification) */
  namedLimit(this: void, raw: string, previous: NamedLimitInput[] = []): NamedLimitInput[] {
    const m = /^([A-Za-z0-9_.-]{1,64}):([^:]+)(:auto)?$/.exec(raw.trim())
    if (!m) throw new InvalidArgumentError('expected <name>:<limit>/<window>[:auto], e.g. tokens:1000/1h.')
    const { limit, window_s } = parse.rateLimit(m[2]!)
    return [...previous, { name: m[1]!, limit, window_s, ...(m[3] && { auto_apply: true }) }]
  },
  /** `tokens` or `tokens:30` (the cost; default 1) for `keys verify` */
  limitCost(this: void, raw: string, previous: { name: string; cost?: number }[] = []) {
    const m = /^([A-Za-z0-9_.:-]{1,64}?)(?::(\d+))?$/.exec(raw.trim())
    if (!m) throw new InvalidArgumentError('expected <name>[:<cost>], e.g. tokens:30.')
    return [...previous, { name: m[1]!, ...(m[2] !== undefined && { cost: Number(m[2]) }) }]
  },
}

/** Named limits as a table (a key's or an identity's). */
export function limitsTable(list: readonly NamedLimit[]): string {
  if (list.length === 0) return 'no named limits'
  return table(
    ['NAME', 'LIMIT', 'WINDOW', 'AUTO'],
    list.map((l) => [l.name, String(l.limit), `${l.window_s}s`, l.auto_apply ? 'yes' : 'no']),
  )
}

/** One line per limit a verification checked. */
export function checkedLimits(list: readonly CheckedLimit[]): string {
  return list.map((l) => `  ${l.on} ${l.name}: ${l.remaining}/${l.limit} left until ${when(l.reset_at)}`).join('\n')
}
