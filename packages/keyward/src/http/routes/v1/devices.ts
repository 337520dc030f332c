import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { Services } from '../../../services/index.js'
import { ctxOf } from '../../auth.js'
import { DeviceBody, IdParams, Nullable, WriteErrors, toDeviceWire } from '../../schemas.js'
import { MAX_ROW_ID } from '../../../core/types.js'

const CreateDeviceBody = Type.Object(
  {
    application_id: Type.Integer({ minimum: 1, maximum: MAX_ROW_ID }),
    name: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 100 }))),
    uuid: Type.Optional(Type.String({ pattern: '^[0-9a-fA-F]{32}$|^[0-9a-fA-F]{62}$' })),
  },
  { additionalProperties: false },
)

const ListDevicesQuery = Type.Object(
  {
    application_id: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_ROW_ID })),
    /** Only this organization's (one the caller does not belong to lists none). */
    organization_id: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_ROW_ID })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
    before_id: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_ROW_ID })),
  },
  { additionalProperties: false },
)

export const deviceRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.post(
    '/devices',
    { schema: { tags: ['devices'], body: CreateDeviceBody, response: { 201: DeviceBody } } },
    async (req, reply) => {
      const device = await services.owners.createDevice(ctxOf(req), req.body)
      return reply.status(201).send(toDeviceWire(device))
    },
  )

  app.get(
    '/devices',
    {
      schema: {
        tags: ['devices'],
        querystring: ListDevicesQuery,
        response: { 200: Type.Object({ devices: Type.Array(DeviceBody) }) },
      },
    },
    async (req) => {
      const devices = await services.owners.listDevices(ctxOf(req), { ...req.query, beforeId: req.query.before_id })
      return { devices: devices.map(toDeviceWire) }
    },
  )

  app.get(
    '/devices/:id',
    { schema: { tags: ['devices'], params: IdParams, response: { 200: DeviceBody } } },
    async (req) => toDeviceWire(await services.owners.getDevice(ctxOf(req), req.params.id)),
  )

  app.delete(
    '/devices/:id',
    {
      schema: {
        tags: ['devices'],
        description:
          "Deletes a device with its keys (a key.deleted webhook event for each). Members of its application's organization and above.",
        params: IdParams,
        response: { 204: Type.Null(), ...WriteErrors },
      },
    },
    async (req, reply) => {
      await services.owners.deleteDevice(ctxOf(req), req.params.id)
      return reply.status(204).send(null)
    },
  )
}
