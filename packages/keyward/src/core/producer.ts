import type { Principal } from './types.js'

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
