import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { Principal } from '../../../core/types.js'
import type { Services } from '../../../services/index.js'
import type { RequestContext } from '../../../services/context.js'
import { ctxOf } from '../../auth.js'

const LoginBody = Type.Object({
  username: Type.String({ minLength: 1, maxLength: 320 }),
  password: Type.String({ minLength: 1, maxLength: 1024 }),
})

const WhoAmI = Type.Object({
  id: Type.Integer(),
  actorType: Type.String(),
  actorTypeId: Type.Integer(),
  username: Type.Optional(Type.String()),
  email: Type.Optional(Type.String()),
  slug: Type.Optional(Type.String()),
  uuid: Type.Optional(Type.String()),
})

/** `POST /login_`: the session token as plain text. Needs no credentials. */
export const loginRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.post('/login_', { schema: { hide: true, body: LoginBody } }, async (req, reply) => {
    const r = await services.auth.login(req.body.username, req.body.password, req.ip)
    return reply.type('text/plain; charset=utf-8').header('cache-control', 'no-store').send(r.token)
  })
}

/** `GET /actor/v1/whoami`: `id` is the actor id, `actorTypeId` the user, application or device id. */
export const whoamiRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.get('/actor/v1/whoami', { schema: { hide: true, response: { 200: WhoAmI } } }, async (req) =>
    whoami(services, ctxOf(req)),
  )
}

async function whoami(services: Services, ctx: RequestContext) {
  const o: Principal['owner'] = ctx.principal.owner
  const base = { id: o.actorId, actorType: o.kind, actorTypeId: o.id }
  if (o.kind === 'user') {
    const u = await services.users.whoIs(o.id)
    return { ...base, ...(u && { username: u.username, email: u.email }) }
  }
  if (o.kind === 'application') return { ...base, slug: (await services.owners.getApplication(ctx, o.id)).slug }
  return { ...base, uuid: (await services.owners.getDevice(ctx, o.id)).uuid }
}
