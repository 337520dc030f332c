import { invalidField } from './errors.js'
import type { NamedLimit, RateLimit, Refill } from './types.js'

/** The name the legacy single `rate_limit` (and Fluxbase's `rate_limit_per_minute`) maps to. */
export const DEFAULT_LIMIT = 'default'

/** Limit names: short identifiers, so they can be part of a counter's name and a CLI flag. */
export const LIMIT_NAME_PATTERN = '^[a-zA-Z0-9_.:-]{1,64}$'

/** At most this many named limits per key or identity (each checked one costs a counter). */
export const MAX_LIMITS = 16

/** The legacy `rate_limit` view of a list: its `default` limit, or null. */
export function defaultLimit(list: readonly NamedLimit[]): RateLimit | null {
  const d = list.find((l) => l.name === DEFAULT_LIMIT)
  return d ? { limit: d.limit, window_s: d.window_s } : null
}

/** `list` with its `default` limit replaced by `rl` (null: removed), sorted by name. */
export function withDefaultLimit(list: readonly NamedLimit[], rl: RateLimit | null): NamedLimit[] {
  const rest = list.filter((l) => l.name !== DEFAULT_LIMIT)
  return sortLimits(rl ? [...rest, { name: DEFAULT_LIMIT, ...rl, auto_apply: true }] : rest)
}

/** A wire limit (`auto_apply` optional, default false; `default` is always auto-applied) as stored: names unique, sorted. */
export function normalizeLimits(
  list: readonly { name: string; limit: number; window_s: number; auto_apply?: boolean }[],
  field = 'ratelimits',
): NamedLimit[] {
  const names = new Set<string>()
  for (const l of list) {
    if (names.has(l.name)) throw invalidField(field, `limit "${l.name}" is named twice`)
    names.add(l.name)
  }
  return sortLimits(
    list.map((l) => ({
      name: l.name,
      limit: l.limit,
      window_s: l.window_s,
      auto_apply: l.name === DEFAULT_LIMIT || (l.auto_apply ?? false),
    })),
  )
}

function sortLimits(list: NamedLimit[]): NamedLimit[] {
  return list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
}

/**
 * Why limits `b` let through more than `a` does (rights never grow), or null: every limit
 * of `a` must be in `b` under its name, no looser (a higher count or a shorter window), and
 * still auto-applied if it was (else a verification could skip it by not naming it).
 */
export function excessLimits(a: readonly NamedLimit[], b: readonly NamedLimit[]): string | null {
  for (const al of a) {
    const bl = b.find((l) => l.name === al.name)
    if (!bl) return `it would lack this credential's "${al.name}" limit`
    if (bl.limit > al.limit || bl.window_s < al.window_s || (al.auto_apply && !bl.auto_apply))
      return `its "${al.name}" limit would be looser than this credential's`
  }
  return null
}

/**
 * Refills are lazy: one is due once `interval_s` has passed since the last (or since the budget was
 * set, when it never ran), and lands at the next verification (store/credits.ts `refillIfDue`).
 * Stored times are canonical ISO strings, so a refill last applied at or before this is due.
 */
export function refillDueBefore(refill: Refill, now: Date): string {
  return new Date(now.getTime() - refill.interval_s * 1000).toISOString()
}

/** What a PATCH may say of credits. */
export interface CreditsInput {
  remaining?: number | null
  refill?: Refill | null
}

/** A key's or an identity's credits: what is stored, and the refill that lazily resets it. */
export interface Credits {
  remaining: number | null
  refill: Refill | null
  lastRefillAt: string | null
}

/** True when a refill is due and not yet applied: the next verification resets the credits. */
export function refillIsDue(c: Pick<Credits, 'refill' | 'lastRefillAt'>, now: Date): boolean {
  return c.refill !== null && (c.lastRefillAt === null || c.lastRefillAt <= refillDueBefore(c.refill, now))
}

/**
 * The credits the API shows at `now`: what the next verification finds. A refill that is due has
 * not reached the row yet, and showing the stored count made a client that reads, changes one
 * field and sends the object back set that stale count, which then held for a period (a
 * reviewer's find; a PATCH applies the due refill first: `settlesDueRefill`).
 */
export function creditsAt(c: Credits, now: Date): number | null {
  return refillIsDue(c, now) ? c.refill!.amount : c.remaining
}

/**
 * A PATCH of `remaining` or `refill` applies a refill that is due first, as the next verification
 * would (the API already shows it: `creditsAt`), with the same conditional UPDATE
 * (store/credits.ts `refillIfDue`, so of PATCHes and verifications racing, one applies it); then it
 * writes what it names (`creditColumns`). Without the first step a due refill landed after the
 * PATCH: an admin's cut-off to 0 was undone and a top-up reset to the refill amount
 * (test/attack/set-remaining-over-due-refill). True when `input` (less an unchanged refill:
 * `withoutSameRefill`) names credits and a refill is due.
 */
export function settlesDueRefill(current: Credits, input: CreditsInput, now: Date): boolean {
  return (input.remaining !== undefined || input.refill !== undefined) && refillIsDue(current, now)
}

/**
 * `input` less its `refill` when that is the refill the row has: sending it again changes nothing
 * (no new period, no new usage budget, no new credits epoch; a reviewer's finds).
 */
export function withoutSameRefill<T extends CreditsInput>(input: T, current: Refill | null): T {
  if (input.refill === undefined || !sameRefill(input.refill, current)) return input
  const { refill: _same, ...rest } = input
  return rest as T
}

/**
 * The credit columns a PATCH writes besides the refill settings: a new `remaining`, and a new
 * refill's period, which starts now. A refill not due keeps its schedule unless the PATCH changes it.
 */
export function creditColumns(
  input: CreditsInput,
  now: Date,
): { remaining?: number | null; last_refill_at?: string | null } {
  const out: { remaining?: number | null; last_refill_at?: string | null } = {}
  if (input.refill !== undefined) out.last_refill_at = input.refill ? now.toISOString() : null
  if (input.remaining !== undefined) out.remaining = input.remaining
  return out
}

const sameRefill = (a: Refill | null, b: Refill | null): boolean =>
  a === b || (a !== null && b !== null && a.amount === b.amount && a.interval_s === b.interval_s)
