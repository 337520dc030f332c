import type { FastifyReply, FastifyRequest } from 'fastify'
import type { ErrorCode, KeywardError } from '../../../core/errors.js'
import { type EnvelopeOf, loggedKeywardError } from '../../errors.js'

/** Fluxbase's `code` (and, where its SDK users see a fixed text, the message) for each Keyward code. */
const fluxbaseError: Record<ErrorCode, { code: string; error?: string }> = {
  validation_failed: { code: 'VALIDATION_ERROR' },
  query_too_expensive: { code: 'QUERY_TOO_EXPENSIVE' },
  webhook_target_refused: { code: 'VALIDATION_ERROR' },
  invalid_json: { code: 'INVALID_JSON', error: 'Invalid JSON body' },
  unauthorized: { code: 'INVALID_TOKEN' },
  forbidden: { code: 'FORBIDDEN' },
  wrong_password: { code: 'INVALID_CREDENTIALS' },
  account_deactivated: { code: 'ACCOUNT_DEACTIVATED' },
  not_found: { code: 'NOT_FOUND' },
  conflict: { code: 'CONFLICT' },
  last_admin: { code: 'CONFLICT' },
  payload_too_large: { code: 'PAYLOAD_TOO_LARGE' },
  unsupported_media_type: { code: 'UNSUPPORTED_MEDIA_TYPE' },
  request_timeout: { code: 'REQUEST_TIMEOUT' },
  headers_too_large: { code: 'HEADERS_TOO_LARGE' },
  rate_limited: { code: 'RATE_LIMIT_EXCEEDED', error: 'Rate limit exceeded' },
  mail_failed: { code: 'MAIL_FAILED' },
  unavailable: { code: 'UNAVAILABLE' },
  internal: { code: 'INTERNAL_ERROR', error: 'Internal server error' },
}

/** A route's own message (and code) for one Keyward code. */
type FluxbaseOverride = { code?: string; error: string }

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Fluxbase messages (and codes) this route answers instead of the defaults. */
    fluxbaseErrors?: Partial<Record<ErrorCode, FluxbaseOverride>>
  }
}

/** "API key" under `/api/v1/api-keys` (v0.2.0), "Client key" under `/api/v1/client-keys` (2026): wording follows the path. */
export const keyWord = (url: string): 'API key' | 'Client key' =>
  url.startsWith('/api/v1/client-keys') ? 'Client key' : 'API key'

/**
 * Writes Fluxbase's envelope `{"error": "<message>", "code"}`: its SDK shows
 * `error` as the Error's message. Rate limits add `retry_after` and `Retry-After`;
 * scope refusals name the `required_scope`.
 */
export function sendFluxbaseError(err: unknown, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const e = loggedKeywardError(err, req)
  if (e.retryAfterS !== undefined) void reply.header('retry-after', String(e.retryAfterS))
  const { status, body } = fluxbaseEnvelope(e, req.url, req.id, req.routeOptions.config?.fluxbaseErrors?.[e.code])
  return reply.status(status).type('application/json').send(body)
}

/** Fluxbase's envelope, with the route's `override` of the message (and code) when it has one. */
export function fluxbaseEnvelope(
  e: KeywardError,
  url: string,
  _requestId: string,
  override?: FluxbaseOverride,
): EnvelopeOf {
  const fixed = override ?? fluxbaseError[e.code]
  const isKeyRoute = /^\/api\/v1\/(api|client)-keys(\/|$|\?)/.test(url)
  const message = fixed.error ?? (e.code === 'not_found' && isKeyRoute ? `${keyWord(url)} not found` : e.message)
  const details = (e.details ?? {}) as { required_scope?: unknown }
  return {
    status: e.status,
    body: {
      error: message,
      code: fixed.code ?? fluxbaseError[e.code].code,
      ...(typeof details.required_scope === 'string' && { required_scope: details.required_scope }),
      ...(e.code === 'rate_limited' && e.retryAfterS !== undefined && { retry_after: e.retryAfterS }),
    },
  }
}
