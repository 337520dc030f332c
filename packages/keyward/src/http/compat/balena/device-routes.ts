import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { Services } from '../../../services/index.js'
import { ctxOf } from '../../auth.js'
import { MAX_ROW_ID } from '../../../core/types.js'

/** What balena-register-device sends (extra device facts are accepted and not stored). */
const RegisterBody = Type.Object({
  application: Type.Integer({ minimum: 1, maximum: MAX_ROW_ID }),
  uuid: Type.String({ minLength: 1, maxLength: 62 }),
  device_type: Type.String({ minLength: 1, maxLength: 100 }),
  api_key: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
  user: Type.Optional(Type.Unknown()),
  supervisor_version: Type.Optional(Type.String()),
  os_version: Type.Optional(Type.String()),
  os_variant: Type.Optional(Type.String()),
  mac_address: Type.Optional(Type.String()),
})

const Registered = Type.Object({ id: Type.Integer(), uuid: Type.String(), api_key: Type.String() })

/** `POST /device/register` with a provisioning key: exactly 201 `{id, uuid, api_key}`. */
export const deviceRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.post(
    '/device/register',
    { schema: { hide: true, body: RegisterBody, response: { 201: Registered } } },
    async (req, reply) => {
      const b = req.body
      const { device, key } = await services.deviceRegistration.register(ctxOf(req), {
        applicationId: b.application,
        uuid: b.uuid,
        deviceType: b.device_type,
        apiKey: b.api_key,
      })
      return reply
        .status(201)
        .header('cache-control', 'no-store')
        .send({ id: device.id, uuid: device.uuid, api_key: key })
    },
  )
}
