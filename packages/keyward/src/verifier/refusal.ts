import type { VerifyCode, VerifyResult } from '../core/verify-result.js'

/** Where a middleware finds the presented key: `Authorization: Bearer <key>`, else `X-API-Key`. */
export function keyFromHeaders(authorization: string | undefined, xApiKey: string | undefined): string | null {
  if (authorization) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization)
    if (m) return m[1]!
  }
  return xApiKey ? xApiKey.trim() || null : null
}

const STATUS: Record<Exclude<VerifyCode, 'VALID'>, number> = {
  MALFORMED: 401,
  NOT_FOUND: 401,
  EXPIRED: 401,
  DISABLED: 401,
  REVOKED: 401,
  INSUFFICIENT_SCOPES: 403,
  USAGE_EXCEEDED: 429,
  RATE_LIMITED: 429,
  FORBIDDEN_CONTEXT: 403,
}

/** How every middleware answers a refused key: status, Keyward's error envelope, headers. */
export interface Refusal {
  status: number
  body: { error: { code: string; message: string; details: { code: VerifyCode } } }
  headers: Record<string, string>
}

/** The HTTP answer for a refused key (or a missing one: `null`). The message never contains the key. */
export function refusalOf(result: VerifyResult | null): Refusal {
  const code: Exclude<VerifyCode, 'VALID'> = result ? (result.code as Exclude<VerifyCode, 'VALID'>) : 'NOT_FOUND'
  const status = result ? STATUS[code] : 401
  const errorCode = status === 403 ? 'forbidden' : status === 429 ? 'rate_limited' : 'unauthorized'
  const message = result ? `API key refused: ${code}` : 'missing API key: send Authorization: Bearer <key> or X-API-Key'
  const headers: Record<string, string> = {}
  if (status === 401) headers['www-authenticate'] = 'Bearer'
  if (code === 'RATE_LIMITED' && result?.ratelimit) {
    headers['retry-after'] = String(Math.max(1, Math.ceil((Date.parse(result.ratelimit.reset_at) - Date.now()) / 1000)))
  }
  return {
    status,
    body: { error: { code: errorCode, message, details: { code: result ? code : 'NOT_FOUND' } } },
    headers,
  }
}
