import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { Services } from '../../../services/index.js'
import { ctxOf } from '../../auth.js'
import {
  CreateIdentityBody,
  IdentityBody,
  ListIdentitiesQuery,
  UpdateIdentityBody,
  toIdentityWire,
} from '../../limit-schemas.js'
import { ErrorBody, IdParams } from '../../schemas.js'

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody }

/** Identities: shared limits and credits of a customer's keys. Handlers translate; rules live in IdentityService. */
export const identityRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  const svc = services.identities
  const now = () => services.clock.now()

  app.post(
    '/identities',
    { schema: { tags: ['identities'], body: CreateIdentityBody, response: { 201: IdentityBody, ...errors } } },
    async (req, reply) => reply.status(201).send(toIdentityWire(await svc.create(ctxOf(req), req.body), now())),
  )

  app.get(
    '/identities',
    {
      schema: {
        tags: ['identities'],
        querystring: ListIdentitiesQuery,
        response: { 200: Type.Object({ identities: Type.Array(IdentityBody) }), ...errors },
      },
    },
    async (req) => ({ identities: (await svc.list(ctxOf(req), req.query)).map((i) => toIdentityWire(i, now())) }),
  )

  app.get(
    '/identities/:id',
    { schema: { tags: ['identities'], params: IdParams, response: { 200: IdentityBody, ...errors } } },
    async (req) => toIdentityWire(await svc.get(ctxOf(req), req.params.id), now()),
  )

  app.patch(
    '/identities/:id',
    {
      schema: {
        tags: ['identities'],
        params: IdParams,
        body: UpdateIdentityBody,
        response: { 200: IdentityBody, ...errors },
      },
    },
    async (req) => toIdentityWire(await svc.update(ctxOf(req), req.params.id, req.body), now()),
  )

  app.delete(
    '/identities/:id',
    { schema: { tags: ['identities'], params: IdParams, response: { 204: Type.Null(), ...errors } } },
    async (req, reply) => {
      await svc.delete(ctxOf(req), req.params.id)
      return reply.status(204).send(null)
    },
  )
}
