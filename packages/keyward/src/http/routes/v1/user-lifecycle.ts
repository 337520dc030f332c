import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { Services } from '../../../services/index.js'
import { ctxOf } from '../../auth.js'
import { ErrorBody, IdParams, Password, Role, UserBody, toUserWire } from '../../schemas.js'

const Errors = { 403: ErrorBody, 404: ErrorBody, 409: ErrorBody }
const tags = ['users']
const SetUserRoleBody = Type.Object({ role: Role }, { additionalProperties: false })
const ResetPasswordBody = Type.Object({ new_password: Password }, { additionalProperties: false })
const DELETE_DESCRIPTION =
  'Deletes a user: sessions end, their keys are revoked (a key.revoked webhook event for each) and kept for audit.'

/**
 * Admin actions on a user (issue 14): role, password reset, deactivation, deletion. A member
 * sees no other user (404) and may not change themselves (403); `services/auth/user-lifecycle.ts`.
 */
export const userLifecycleRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  const lifecycle = services.userLifecycle

  app.patch(
    '/users/:id',
    {
      schema: {
        tags,
        params: IdParams,
        body: SetUserRoleBody,
        response: { 200: UserBody, ...Errors },
      },
    },
    async (req) => toUserWire(await lifecycle.setRole(ctxOf(req), req.params.id, req.body.role)),
  )

  app.post(
    '/users/:id/password',
    {
      schema: {
        tags,
        params: IdParams,
        body: ResetPasswordBody,
        response: { 204: Type.Null(), ...Errors },
      },
    },
    async (req, reply) => {
      await lifecycle.resetPassword(ctxOf(req), req.params.id, req.body.new_password)
      return reply.status(204).send(null)
    },
  )

  for (const step of ['deactivate', 'reactivate'] as const) {
    app.post(
      `/users/:id/${step}`,
      { schema: { tags, params: IdParams, response: { 200: UserBody, ...Errors } } },
      async (req) => toUserWire(await lifecycle[step](ctxOf(req), req.params.id)),
    )
  }

  app.delete(
    '/users/:id',
    { schema: { tags, params: IdParams, description: DELETE_DESCRIPTION, response: { 204: Type.Null(), ...Errors } } },
    async (req, reply) => {
      await lifecycle.remove(ctxOf(req), req.params.id)
      return reply.status(204).send(null)
    },
  )
}
