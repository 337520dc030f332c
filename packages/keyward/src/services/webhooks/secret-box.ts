import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'
import { KeywardError } from '../../core/errors.js'

/**
 * Webhook signing secrets at rest. A secret must be recoverable (Keyward signs every
 * delivery with it), so it cannot be hashed like an API key: it is sealed with AES-256-GCM
 * under a key derived (HKDF-SHA256) from `KEYWARD_WEBHOOK_KEY` when set (kept outside the
 * database: a stolen dump alone does not yield the secrets), else from the random
 * `server_secret.webhook_key` the migration generated (protects against nothing a dump
 * holds, said so in DESIGN.md). Each sealed value names its key (`env`/`db`), so setting
 * `KEYWARD_WEBHOOK_KEY` later keeps older webhooks readable until their secret is rotated.
 */
export class SecretBox {
  private readonly keys: Record<KeySource, Buffer | null>

  constructor(envSecret: string | null, dbSecret: string) {
    this.keys = { env: envSecret === null ? null : derive(envSecret), db: derive(dbSecret) }
  }

  /** `v1.<source>.<iv>.<ciphertext+tag>`, base64url parts. */
  seal(plain: string): string {
    const source: KeySource = this.keys.env ? 'env' : 'db'
    const iv = randomBytes(12)
    const c = createCipheriv('aes-256-gcm', this.keys[source]!, iv)
    const body = Buffer.concat([c.update(plain, 'utf8'), c.final(), c.getAuthTag()])
    return ['v1', source, iv.toString('base64url'), body.toString('base64url')].join('.')
  }

  open(sealed: string): string {
    const [v, source, iv, body] = sealed.split('.')
    const key = source === 'env' || source === 'db' ? this.keys[source] : null
    if (v !== 'v1' || !key || !iv || !body)
      throw new KeywardError('internal', `a webhook secret is sealed with a key this server lacks (${source})`)
    const raw = Buffer.from(body, 'base64url')
    const d = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'))
    d.setAuthTag(raw.subarray(raw.length - 16))
    return Buffer.concat([d.update(raw.subarray(0, raw.length - 16)), d.final()]).toString('utf8')
  }
}

type KeySource = 'env' | 'db'

function derive(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'keyward', 'webhook-secret-v1', 32))
}
