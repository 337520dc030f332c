import type { ApiKey, KeyStatus } from './types.js'

/**
 * What a key's status reads. A key is disabled by its own switch or while its person is
 * deactivated; the store's status filter (`statusCondition`, `store/key-repository.ts`) is the
 * same rule in SQL.
 */
type StatusFields = Pick<ApiKey, 'revokedAt' | 'disabledAt' | 'userDeactivatedAt' | 'expiresAt'>

/**
 * Disabled by its own switch (`disabledAt`, what enable clears) or while its person is deactivated
 * (`userDeactivatedAt`, what reactivation lifts): `keyStatusAt`'s `disabled`, the faces' flags, and
 * `producerOf`'s refusal read this.
 */
export function isSwitchedOff(key: Pick<ApiKey, 'disabledAt' | 'userDeactivatedAt'>): boolean {
  return key.disabledAt !== null || key.userDeactivatedAt !== null
}

/** Lifecycle status of a key at `now`. Revoked wins over disabled, disabled over expired. */
export function keyStatus(key: StatusFields, now: Date): KeyStatus {
  return keyStatusAt(key, now.getTime())
}

/** `keyStatus` at an epoch-ms time: the verification hot path makes no Date. */
export function keyStatusAt(key: StatusFields, nowMs: number): KeyStatus {
  if (key.revokedAt) return 'revoked'
  if (isSwitchedOff(key)) return 'disabled'
  if (key.expiresAt && Date.parse(key.expiresAt) <= nowMs) return 'expired'
  return 'active'
}

/** Scopes in `required` that `granted` lacks. An empty `granted` list grants nothing. */
export function missingScopes(granted: readonly string[], required: readonly string[]): string[] {
  return required.filter((s) => !granted.includes(s))
}

/**
 * The rights of a credential derived from another: never more than either
 * (null: full rights; a list narrows them). Two lists give their intersection.
 */
export function narrowScopes(a: readonly string[] | null, b: readonly string[] | null): string[] | null {
  if (a === null) return b === null ? null : [...b]
  if (b === null) return [...a]
  return a.filter((s) => b.includes(s))
}
