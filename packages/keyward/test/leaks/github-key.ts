import { type KeyObject, generateKeyPairSync, sign } from 'node:crypto'

/** A P-256 key pair as GitHub holds one, and its entry in the public-keys document. */
export function githubKey(id: string, isCurrent = true): { privateKey: KeyObject; entry: object } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
  return {
    privateKey,
    entry: { key_identifier: id, key: publicKey.export({ type: 'spki', format: 'pem' }), is_current: isCurrent },
  }
}

/** GitHub's signature headers over a raw body: `key` signs it under identifier `id` (none without a key). */
export function githubHeaders(body: string, key: KeyObject | null, id: string): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'github-public-key-identifier': id }
  if (key) headers['github-public-key-signature'] = sign('sha256', Buffer.from(body), key).toString('base64')
  return headers
}
