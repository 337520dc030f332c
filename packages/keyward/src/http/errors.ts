import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { type ErrorCode, KeywardError, errorStatus } from '../core/errors.js'
import { isDanglingReference, isLostRace, isStoreOutage } from '../store/database.js'
import { type SchemaProblem, describeProblem, foldUnions } from './validation-messages.js'

/** The field a problem is about: `required` names it in params, not in the path. */
const fieldPath = (v: SchemaProblem) =>
  v.keyword === 'required' ? `${v.instancePath}/${String(v.params.missingProperty)}` : v.instancePath

/** Turns anything thrown in a request into a KeywardError; unknown errors become `internal`. */
export function toKeywardError(err: unknown): KeywardError {
  if (err instanceof KeywardError) return err
  const fe = err as FastifyError
  if (fe?.validation) {
    const where = fe.validationContext ?? 'body'
    const details = foldUnions(fe.validation).map((v) => ({
      field: `${where}${fieldPath(v)}`.replace(/\//g, '.'),
      message: describeProblem(v),
      keyword: v.keyword,
      params: v.params,
    }))
    return new KeywardError('validation_failed', details.map((d) => d.message).join('; '), { details })
  }
  const byFastifyCode: Record<string, ErrorCode> = {
    FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
    FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
    FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
    FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'validation_failed',
  }
  const mapped = fe?.code ? byFastifyCode[fe.code] : undefined
  // Which type to send, not just which was refused (a request without content-type got no hint).
  if (mapped === 'unsupported_media_type')
    return new KeywardError(mapped, `${fe.message}: send JSON, with content-type: application/json`)
  if (mapped) return new KeywardError(mapped, fe.message)
  if (fe?.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
    const code =
      (Object.keys(errorStatus) as ErrorCode[]).find((c) => errorStatus[c] === fe.statusCode) ?? 'validation_failed'
    return new KeywardError(code, fe.message)
  }
  // A race lost to a delete (the write's check passed, then what it names was deleted): the request
  // was right when sent, and is answered as a conflict to reload, not as our bug (a fuzzer's find).
  if (isDanglingReference(err))
    return new KeywardError('conflict', 'something this request refers to was deleted meanwhile; reload and retry', {
      cause: err,
    })
  // Whatever the route: the store's outage is the client's retry, not our bug (the cause is logged as a warning).
  if (isStoreOutage(err)) {
    const why = isLostRace(err) ? 'another change holds what this request needs' : 'the database is unavailable'
    return new KeywardError('unavailable', `${why}; try again`, { retryAfterS: 1, cause: err })
  }
  return new KeywardError('internal', 'internal error', { cause: err })
}

/**
 * `toKeywardError`, logged as every face logs it: an internal error (our bug) as an error, an outage
 * (503, the client retries) or a mail the mail server did not take (502) as a warning, with the cause (the
 * operator's to fix); refusals are not logged.
 */
export function loggedKeywardError(err: unknown, req: FastifyRequest): KeywardError {
  const e = toKeywardError(err)
  if (e.code === 'internal') req.log.error({ err: e.cause ?? err }, 'request failed')
  else if (e.code === 'unavailable') req.log.warn({ err: e.cause ?? err }, 'request failed: unavailable')
  else if (e.code === 'mail_failed') req.log.warn({ err: e.cause ?? err }, 'request failed: mail not sent')
  return e
}

/**
 * A face's answer to an error as status and JSON body, from what any answer has (the error, the request's path and
 * id): the route's face writes it (`sendNativeError`, `sendBalenaError`, …), and so does an answer given before any
 * route ran (`client-errors.ts`). A route's own overrides (Realm's, Fluxbase's) are its sender's, on top.
 */
export type Envelope = (e: KeywardError, url: string, requestId: string) => EnvelopeOf
export type EnvelopeOf = { status: number; body: unknown }

/** The native envelope `{"error": {code, message, details}}`. */
export const nativeEnvelope: Envelope = (e, _url, requestId) => ({
  status: e.status,
  body: {
    error: {
      code: e.code,
      message: e.message,
      ...(e.details !== undefined && { details: e.details }),
      ...(e.code === 'internal' && { request_id: requestId }),
    },
  },
})

/** Writes the native envelope; logs internal errors with the request id. */
export function sendNativeError(err: unknown, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const e = loggedKeywardError(err, req)
  if (e.retryAfterS !== undefined) void reply.header('retry-after', String(e.retryAfterS))
  const { status, body } = nativeEnvelope(e, req.url, req.id)
  return reply.status(status).type('application/json').send(body)
}
