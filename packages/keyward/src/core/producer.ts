import type { LoginLine, Principal } from './types.js'

/**
 * The secret behind a credential that makes something (a key, a secret by a roll, a password): its key, the
 * SHA-256 of the secret (absent: not known, e.g. a principal built without one), and its grace end when it is a
 * rolled-away one. The write is made only while that is still one of the key's secrets (`isLiveProducer`).
 */
export interface ProducerSecret {
  keyId: number
  hash?: string
  graceEnd?: string
}

/** What `p` makes things with: null for a credential no key is behind (a password session). */
export function producerSecretOf(p: Principal): ProducerSecret | null {
  if (p.keyId === null) return null
  return { keyId: p.keyId, ...(p.keyHash && { hash: p.keyHash }), ...(p.graceEndsAt && { graceEnd: p.graceEndsAt }) }
}

/**
 * What a credential makes things through: a key's secret, or a login whose password a key chose (its line). Null:
 * nothing (a login with a password no key chose, the system).
 */
export type Maker = ProducerSecret | LoginLine

/**
 * What a product records it was made through: a maker, or a line without a login to check (a new account's
 * password chosen by whoever held an invitation a login of the line made: `InvitationService.accept`).
 */
export type Origin = Maker | Pick<LoginLine, 'keys'>

/** What `p` makes things through (`Maker`). */
export function makerOf(p: Principal): Maker | null {
  return producerSecretOf(p) ?? p.passwordLine ?? null
}

/** Whether a maker is a key's secret (else a login's line). */
export const isSecret = (m: Origin): m is ProducerSecret => 'keyId' in m
