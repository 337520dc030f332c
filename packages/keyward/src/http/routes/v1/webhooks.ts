import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { Services } from '../../../services/index.js'
import { ctxOf } from '../../auth.js'
import { ErrorBody, NoBody } from '../../schemas.js'
import {
  CreateWebhookBody,
  RotateSecretBody,
  DeliveriesQuery,
  DeliveryBody,
  DeliveryParams,
  UpdateWebhookBody,
  WebhookBody,
  WebhookParams,
  WebhookWithSecret,
  toWebhookWire,
} from './webhook-schemas.js'

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody }
const tags = ['webhooks']

type WebhookPlugin = FastifyPluginAsyncTypebox<{ services: Services }>

/** Signed webhooks. Handlers translate; rules live in WebhookService. Secrets are answered with no-store. */
export const webhookRoutes: WebhookPlugin = async (app, { services }) => {
  await app.register(subscriptionRoutes, { services })
  await app.register(secretRoutes, { services })
  await app.register(deliveryRoutes, { services })
}

/** Create, list, read, update, delete. */
const subscriptionRoutes: WebhookPlugin = async (app, { services }) => {
  const hooks = services.webhooks

  app.post(
    '/webhooks',
    { schema: { tags, body: CreateWebhookBody, response: { 201: WebhookWithSecret, ...errors } } },
    async (req, reply) => {
      const { webhook, secret } = await hooks.create(ctxOf(req), req.body)
      return reply
        .status(201)
        .header('cache-control', 'no-store')
        .send({ webhook: toWebhookWire(webhook, services.clock.now()), secret })
    },
  )

  app.get(
    '/webhooks',
    { schema: { tags, response: { 200: Type.Object({ webhooks: Type.Array(WebhookBody) }) } } },
    async (req) => ({
      webhooks: (await hooks.list(ctxOf(req))).map((w) => toWebhookWire(w, services.clock.now())),
    }),
  )

  app.get(
    '/webhooks/:id',
    { schema: { tags, params: WebhookParams, response: { 200: WebhookBody, ...errors } } },
    async (req) => toWebhookWire(await hooks.get(ctxOf(req), req.params.id), services.clock.now()),
  )

  app.patch(
    '/webhooks/:id',
    { schema: { tags, params: WebhookParams, body: UpdateWebhookBody, response: { 200: WebhookBody, ...errors } } },
    async (req) => toWebhookWire(await hooks.update(ctxOf(req), req.params.id, req.body), services.clock.now()),
  )

  app.delete(
    '/webhooks/:id',
    { schema: { tags, params: WebhookParams, response: { 204: Type.Null(), ...errors } } },
    async (req, reply) => {
      await hooks.delete(ctxOf(req), req.params.id)
      return reply.status(204).send(null)
    },
  )
}

/** The signing secret: rotate it, end the overlap of the one a rotation replaced. */
const secretRoutes: WebhookPlugin = async (app, { services }) => {
  const hooks = services.webhooks

  app.post(
    '/webhooks/:id/rotate-secret',
    {
      schema: { tags, params: WebhookParams, body: RotateSecretBody, response: { 200: WebhookWithSecret, ...errors } },
    },
    async (req, reply) => {
      const { webhook, secret } = await hooks.rotateSecret(ctxOf(req), req.params.id, req.body.grace_period_s ?? 0)
      const wire = toWebhookWire(webhook, services.clock.now())
      return reply.header('cache-control', 'no-store').send({ webhook: wire, secret })
    },
  )

  app.post(
    '/webhooks/:id/end-overlap',
    {
      schema: {
        tags,
        description:
          'Ends the overlap of the last rotation now: the replaced secret stops signing from the next delivery attempt on, and the current one signs on. For a replaced secret found exposed, without rotating again. Nothing to end: the webhook as it is. 409 when a rotation landed meanwhile (a new overlap).',
        params: WebhookParams,
        body: NoBody,
        response: { 200: WebhookBody, ...errors },
      },
    },
    async (req) => toWebhookWire(await hooks.endOverlap(ctxOf(req), req.params.id), services.clock.now()),
  )
}

/** A test event, deliveries and redelivery. */
const deliveryRoutes: WebhookPlugin = async (app, { services }) => {
  const hooks = services.webhooks

  app.post(
    '/webhooks/:id/test',
    { schema: { tags, params: WebhookParams, response: { 202: DeliveryBody, ...errors } } },
    async (req, reply) => reply.status(202).send(await hooks.test(ctxOf(req), req.params.id)),
  )

  app.get(
    '/webhooks/:id/deliveries',
    {
      schema: {
        tags,
        params: WebhookParams,
        querystring: DeliveriesQuery,
        response: { 200: Type.Object({ deliveries: Type.Array(DeliveryBody) }), ...errors },
      },
    },
    async (req) => ({ deliveries: await hooks.deliveries(ctxOf(req), req.params.id, req.query.limit) }),
  )

  app.post(
    '/webhooks/:id/deliveries/:delivery_id/redeliver',
    { schema: { tags, params: DeliveryParams, response: { 202: DeliveryBody, ...errors } } },
    async (req, reply) =>
      reply.status(202).send(await hooks.redeliver(ctxOf(req), req.params.id, req.params.delivery_id)),
  )
}
