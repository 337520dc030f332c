import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { KeywardError, invalid } from '../../../core/errors.js'
import type { Services } from '../../../services/index.js'
import type { ODataRequest } from '../../../store/odata/request.js'
import { ctxOf } from '../../auth.js'
import { listAnswer } from '../../json-stream.js'
import { Nullable } from '../../schemas.js'
import { parseODataRequest } from './odata-parse.js'
import { rawPath, splitQuery } from './query-string.js'
import { ExpiryDate, KeyDescription, KeyName, expiryOf } from './wire.js'

const PatchKeyBody = Type.Object(
  {
    name: Type.Optional(KeyName),
    description: Type.Optional(Nullable(KeyDescription)),
    expiry_date: Type.Optional(ExpiryDate),
  },
  { additionalProperties: false },
)

/** `{"d": [...]}` (or `{"d": n}` for `$count`); rows are open objects, built from the OData model's allow-list. */
const Envelope = Type.Object({ d: Type.Unknown() })

function requestOf(req: FastifyRequest): ODataRequest {
  const path = rawPath(req.url).slice('/v7'.length)
  return parseODataRequest(path, splitQuery(req.url))
}

/** The key id of `PATCH|DELETE /v7/api_key(<id>)`; other targets are refused. */
function keyIdOf(req: FastifyRequest): number {
  const r = requestOf(req)
  if (r.resource !== 'api_key')
    throw new KeywardError('validation_failed', `${req.method} is only supported on api_key(<id>)`)
  if (Object.keys(r.options).length > 0 || r.count) throw invalid(`${req.method} takes no query options`)
  if (!r.key || r.key.field !== 'id') throw invalid(`${req.method} needs a key id: /v7/api_key(<id>)`)
  return r.key.value as number
}

/** `/v7/<resource>`: OData reads of keys, actors, users, applications, devices; PATCH and DELETE of keys. */
export const odataRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.get('/v7/*', { schema: { hide: true, response: { 200: Envelope } } }, async (req, reply) => {
    const r = requestOf(req)
    const ctx = ctxOf(req)
    if (r.count) return { d: await services.odata.count(ctx, r) }
    // Large answers leave in chunks, a loop turn apart, so they never hold the node (json-stream.ts).
    return listAnswer(reply, 'd', await services.odata.select(ctx, r), (row) => row)
  })

  app.patch('/v7/*', { schema: { hide: true, body: PatchKeyBody } }, async (req, reply) => {
    const b = req.body
    await services.odata.updateKey(ctxOf(req), keyIdOf(req), {
      ...(b.name !== undefined && { name: b.name }),
      ...(b.description !== undefined && { description: b.description }),
      ...(b.expiry_date !== undefined && { expires_at: expiryOf(b.expiry_date, 'expiry_date') }),
    })
    return reply.status(200).send()
  })

  app.delete('/v7/*', { schema: { hide: true } }, async (req, reply) => {
    await services.odata.revokeKey(ctxOf(req), keyIdOf(req))
    return reply.status(200).send()
  })

  // 405: keys are created through `/api-key/…`, not by POSTing OData rows.
  app.post('/v7/*', { schema: { hide: true } }, async (_req, reply) =>
    reply
      .status(405)
      .header('allow', 'GET, PATCH, DELETE')
      .type('application/json')
      .send(
        JSON.stringify({
          error: 'method_not_allowed',
          message:
            'create keys with POST /api-key/user/full, /api-key/application/:id/provisioning or /api-key/device/:id/device-key',
        }),
      ),
  )
}
