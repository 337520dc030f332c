import type {
  ApiKey,
  Application,
  AuditEvent,
  DailyUsage,
  Device,
  NamedLimit,
  Restrictions,
  User,
} from '@keyward/client'
import { API_SCOPES } from '../core/authz.js'

/** How a command prints: tables for people, JSON for scripts. */
export interface Printer {
  readonly json: boolean
  /** Prints `data` as JSON in JSON mode; otherwise calls `human` to print. */
  result(data: unknown, human: () => void): void
  line(text?: string): void
  /** Notes for people (warnings, hints): stderr, so they never mix with piped output. */
  note(text: string): void
}

/** A printer writing to the given streams. */
export function printer(
  json: boolean,
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Printer {
  return {
    json,
    result(data, human) {
      if (json) out.write(JSON.stringify(data, null, 2).replace(UNESCAPED_BY_JSON, jsonEscape) + '\n')
      else human()
    },
    line: (text = '') => void out.write(visible(text, LINE_CONTROLS) + '\n'),
    note: (text) => void err.write(visible(text, LINE_CONTROLS) + '\n'),
  }
}

/**
 * What the CLI prints comes partly from other people: a member names a key, an admin lists keys.
 * Control characters in it would drive the reader's terminal (ESC sequences erase lines, forge
 * table rows, write the clipboard through OSC 52; bidi overrides reorder what is shown), so they
 * are printed as visible escapes (`\x1b`, `\u202e`). A cell shows even its line breaks and tabs
 * (`cell`); a printed line keeps its own line breaks, which tables and field lists are made of.
 * JSON escapes C0 itself; DEL, C1 (a UTF-8 terminal may read U+009B as CSI) and bidi are escaped there too.
 */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CELL_CONTROLS = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g
// eslint-disable-next-line no-control-regex -- as above
const LINE_CONTROLS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g
const UNESCAPED_BY_JSON = /[\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g
const escapeChar = (c: string): string => {
  const n = c.charCodeAt(0)
  return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`
}
const jsonEscape = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
const visible = (text: string, controls: RegExp): string => text.replace(controls, escapeChar)
/** A printed line from elsewhere (a server's error message, which may quote input): its own line breaks kept. */
export const printable = (text: string): string => visible(text, LINE_CONTROLS)
/** One table cell or field value, every control character made visible. */
export const cell = (text: string): string => visible(text, CELL_CONTROLS)

/** Left-aligned columns separated by two spaces, with a header row (in capitals, as every table has it). */
export function table(headers: string[], rows: string[][]): string {
  rows = rows.map((r) => r.map(cell))
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd()
  return [fmt(headers), ...rows.map(fmt)].join('\n')
}

/** `label: value` lines, labels aligned. */
export function fields(pairs: [string, string][]): string {
  const w = Math.max(...pairs.map(([k]) => k.length))
  return pairs.map(([k, v]) => `${(k + ':').padEnd(w + 1)} ${cell(v)}`).join('\n')
}

/** `2026-11-27T00:16:31.000Z` → `2026-11-27 00:16:31Z`; null → `-`. */
export const when = (iso: string | null | undefined): string =>
  iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '-'

const orDash = (s: string | null | undefined): string => (s === null || s === undefined || s === '' ? '-' : s)

/** The key list as a table. */
export function keyTable(keys: ApiKey[]): string {
  return table(
    ['ID', 'NAME', 'PREFIX', 'KIND', 'OWNER', 'STATUS', 'SCOPES', 'EXPIRES', 'LAST USED'],
    keys.map((k) => [
      String(k.id),
      orDash(k.name),
      `${k.key_prefix}…`,
      k.kind,
      `${k.owner.kind}:${k.owner.id}`,
      k.status,
      k.scopes.length ? k.scopes.join(',') : '-',
      when(k.expires_at),
      when(k.last_used_at),
    ]),
  )
}

/** A key's or identity's limits on one line, for field listings. */
export const limitsLine = (list: readonly NamedLimit[]): string =>
  list.length === 0
    ? '-'
    : list.map((l) => `${l.name} ${l.limit}/${l.window_s}s${l.auto_apply ? ' (auto)' : ''}`).join(', ')

/** One key, every field. */
export function keyFields(k: ApiKey): string {
  return fields([
    ['id', String(k.id)],
    ['name', orDash(k.name)],
    ['description', orDash(k.description)],
    ['prefix', `${k.key_prefix}…`],
    ['kind', k.kind],
    ['owner', `${k.owner.kind}:${k.owner.id}`],
    ['status', k.status],
    ['scopes', k.scopes.length ? k.scopes.join(', ') : 'none'],
    ['keyward api', keywardAccess(k.scopes)],
    ['meta', JSON.stringify(k.meta)],
    ['rate limits', limitsLine(k.ratelimits)],
    ['identity', k.identity_id === null ? '-' : String(k.identity_id)],
    ['remaining', k.remaining === null ? '-' : String(k.remaining)],
    ['refill', k.refill ? `reset to ${k.refill.amount} every ${k.refill.interval_s}s` : '-'],
    ['usable from', describeRestrictions(k.restrictions)],
    ['expires', when(k.expires_at)],
    ['disabled', when(k.disabled_at)],
    ['user deactivated', when(k.user_deactivated_at)],
    ['old secret until', when(k.previous_secret_expires_at)],
    ['revoked', k.revoked_at ? `${when(k.revoked_at)}${k.revoked_reason ? ` (${k.revoked_reason})` : ''}` : '-'],
    ['last used', when(k.last_used_at)],
    ['created', when(k.created_at)],
    ['created with key', createdWith(k)],
    ['updated', when(k.updated_at)],
  ])
}

/** The user list as a table. */
export function userTable(users: User[]): string {
  return table(
    ['ID', 'EMAIL', 'USERNAME', 'ROLE', 'STATUS', 'CREATED'],
    users.map((u) => [
      String(u.id),
      u.email,
      u.username,
      u.role,
      u.deactivated_at ? 'deactivated' : 'active',
      when(u.created_at),
    ]),
  )
}

/** What a key may do on Keyward's own API: scopes mean "checked by your API" first; only Keyward's narrow this. */
export function keywardAccess(scopes: readonly string[]): string {
  if (scopes.length === 0) return "all of the owner's rights"
  const api = scopes.filter((s) => (API_SCOPES as readonly string[]).includes(s))
  return api.length ? `the owner's rights, narrowed to: ${api.join(', ')}` : 'none (no Keyward scope)'
}

/** Verifications per day. */
export function usageTable(days: DailyUsage[]): string {
  return table(
    ['DAY', 'VALID', 'REFUSED'],
    days.map((d) => [d.date, String(d.valid), String(d.refused)]),
  )
}

/** Applications as a table. */
export function applicationTable(apps: Application[]): string {
  return table(
    ['ID', 'NAME', 'SLUG', 'UUID', 'CREATED BY', 'CREATED'],
    apps.map((a) => [String(a.id), a.name, a.slug, a.uuid, `user:${a.owner_user_id}`, when(a.created_at)]),
  )
}

/** Devices as a table. */
export function deviceTable(devices: Device[]): string {
  return table(
    ['ID', 'NAME', 'UUID', 'APPLICATION', 'CREATED'],
    devices.map((d) => [String(d.id), orDash(d.name), d.uuid, String(d.application_id), when(d.created_at)]),
  )
}

/** Audit events as a table (details as compact JSON), each actor named by `actor` (`actorNames`). */
export function auditTable(events: AuditEvent[], actor: (e: AuditEvent) => string): string {
  return table(
    ['ID', 'AT', 'ACTOR', 'ACTION', 'TARGET', 'IP', 'DETAILS'],
    events.map((e) => [
      String(e.id),
      when(e.at),
      actor(e),
      e.action,
      `${e.target_type}${e.target_id ? ':' + e.target_id : ''}`,
      orDash(e.ip),
      Object.keys(e.details).length ? JSON.stringify(e.details) : '-',
    ]),
  )
}

/** One line for `keys get`: where the key works from. */
export function describeRestrictions(r: Restrictions | null): string {
  const parts = [
    r?.ip_allow?.length ? `ip ${r.ip_allow.join(', ')}` : '',
    r?.origin_allow?.length ? `origin ${r.origin_allow.join(', ')}` : '',
  ].filter(Boolean)
  return parts.length > 0 ? parts.join('; ') : 'anywhere'
}

/** Which key made `k`, and whether its rolled-away secret did (then `k` ends if that grace period is cut short). */
function createdWith(k: ApiKey): string {
  if (k.created_by_key_id === null) return '-'
  const grace = k.created_in_grace_until
  return grace
    ? `${k.created_by_key_id} (its rolled-away secret, in a grace period to end ${grace})`
    : String(k.created_by_key_id)
}
