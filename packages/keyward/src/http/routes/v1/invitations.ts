import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { Services } from '../../../services/index.js'
import { bearerToken, callContextOf } from '../../auth.js'
import { AcceptInvitationBody, InvitationBody } from '../../org-schemas.js'
import { UserBody, toUserWire } from '../../schemas.js'
import { toInvitationWire } from '../../org-schemas.js'

/**
 * `POST /v1/invitations/accept {token, password?}`: by a signed-in user (bearer credential), or,
 * without one, with a password that opens a new account for the invited email. Outside the
 * authenticated group because a new account has no credential yet; a bearer given is still checked.
 */
export const invitationRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.post(
    '/invitations/accept',
    {
      schema: {
        tags: ['organizations'],
        body: AcceptInvitationBody,
        response: { 200: Type.Object({ invitation: InvitationBody, user: UserBody }) },
      },
    },
    async (req) => {
      const token = bearerToken(req)
      const caller = token ? await services.auth.authenticate(token, callContextOf(req)) : null
      const r = await services.orgs.invitations.accept(caller, req.body.token, req.body.password, req.ip)
      return { invitation: toInvitationWire(r.invitation), user: toUserWire(r.user) }
    },
  )
}
