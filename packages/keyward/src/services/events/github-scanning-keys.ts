import { createPublicKey, verify, type KeyObject } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { KeywardError } from '../../core/errors.js'

/** The document GitHub serves at `/meta/public_keys/secret_scanning`. */
interface KeysDocument {
  public_keys?: { key_identifier?: unknown; key?: unknown; is_current?: unknown }[]
}

/**
 * GitHub's secret-scanning signing keys, read from the file an operator keeps up to date
 * (`KEYWARD_GITHUB_SCANNING_KEYS_FILE`), and read again whenever the file changes (its
 * mtime or size), so a key rotation needs no restart. Retired keys stay usable while the
 * file lists them: GitHub signs with the key it names in `Github-Public-Key-Identifier`.
 */
export class GithubScanningKeys {
  private loaded: { stamp: string; keys: Map<string, KeyObject> } | null = null

  constructor(private readonly path: string) {}

  /** Whether `signature` (base64 DER ECDSA P-256 over SHA-256) signs `body` with the key named `keyId`. */
  async verify(body: Buffer, keyId: string, signature: string): Promise<boolean> {
    const key = (await this.keys()).get(keyId)
    if (!key) return false
    try {
      return verify('sha256', body, { key, dsaEncoding: 'der' }, Buffer.from(signature, 'base64'))
    } catch {
      return false // not DER, not base64: not a signature
    }
  }

  /**
   * The keys of the file as last read whole. An operator's job rewrites it in place, so for a
   * moment it may be cut short or gone: the last good keys serve meanwhile (a half-written file
   * is not a key rotation), and it is read again on the next report. With none read yet, 503
   * (GitHub retries a report) rather than 500.
   */
  private async keys(): Promise<Map<string, KeyObject>> {
    try {
      const s = await stat(this.path)
      const stamp = `${s.mtimeMs}:${s.size}`
      if (this.loaded?.stamp !== stamp) this.loaded = { stamp, keys: parseKeys(await readFile(this.path, 'utf8')) }
      return this.loaded.keys
    } catch (e) {
      if (this.loaded) return this.loaded.keys
      // The path is the operator's business, not the caller's: it goes to the log with the cause.
      throw new KeywardError('unavailable', "GitHub's signing keys could not be read; try again", {
        cause: e,
        retryAfterS: 60,
      })
    }
  }
}

/** The P-256 public keys of a keys document, by identifier; entries that are not such keys are skipped. */
function parseKeys(text: string): Map<string, KeyObject> {
  const doc = JSON.parse(text) as KeysDocument
  const out = new Map<string, KeyObject>()
  for (const k of doc.public_keys ?? []) {
    if (typeof k.key_identifier !== 'string' || typeof k.key !== 'string') continue
    const key = publicKeyOf(k.key)
    if (key?.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1')
      out.set(k.key_identifier, key)
  }
  // A file with no key in it is one being written, not a rotation to no keys: every report would be 401.
  if (out.size === 0) throw new Error('the keys file holds no P-256 key')
  return out
}

function publicKeyOf(pem: string): KeyObject | undefined {
  try {
    return createPublicKey(pem)
  } catch {
    return undefined // not a key: skipped like any other entry that is not a P-256 key
  }
}
