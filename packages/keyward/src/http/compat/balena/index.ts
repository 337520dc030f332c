import type { FastifyPluginAsync } from 'fastify'
import type { Config } from '../../../config.js'
import { invalid } from '../../../core/errors.js'
import type { Services } from '../../../services/index.js'
import { apiKeyRoutes } from './api-key-routes.js'
import { balenaAuthenticate } from './auth.js'
import { loginRoutes, whoamiRoutes } from './auth-routes.js'
import { deviceRoutes } from './device-routes.js'
import { sendBalenaError } from './errors.js'
import { odataRoutes } from './odata-routes.js'

/** Every path of this face, for CORS preflights. */
const PATHS = ['/v7/*', '/api-key/*', '/actor/v1/whoami', '/login_', '/device/register']
/** Whether a request path is this face's (`PATHS`), for answers given before any route (`faceErrorSender`). */
export const isBalenaPath = (url: string): boolean =>
  /^\/(v7\/|api-key\/|actor\/v1\/whoami|login_|device\/register)/.test(url)

/**
 * The balena face, at the origin root as balena-sdk and balena-register-device
 * expect: `/login_`, `/actor/v1/whoami`, `/api-key/…`, `/device/register` and the
 * OData resources under `/v7`. It translates balena's wire format into service
 * calls; errors use balena's envelope, and only 401 means "not logged in".
 */
export const balenaFace: FastifyPluginAsync<{ services: Services; config: Config }> = async (app, { services }) => {
  app.setErrorHandler((err, req, reply) => sendBalenaError(err, req, reply))
  // PostgreSQL text cannot hold NUL: refuse it up front as bad input instead of failing in the store.
  app.addHook('preValidation', async (req) => {
    if (req.body !== undefined && JSON.stringify(req.body).includes('\\u0000'))
      throw invalid('strings may not contain NUL characters')
  })
  // CORS for the SDK in a browser; credentials travel in a header, never in cookies.
  app.addHook('onSend', async (_req, reply, payload) => {
    void reply.header('access-control-allow-origin', '*')
    return payload
  })
  for (const url of PATHS) {
    app.options(url, { schema: { hide: true } }, async (_req, reply) =>
      reply
        .status(204)
        .header('access-control-allow-methods', 'GET, POST, PATCH, DELETE, OPTIONS')
        .header('access-control-allow-headers', 'Authorization, Content-Type, X-Balena-Client')
        .header('access-control-max-age', '86400')
        .send(),
    )
  }
  await app.register(loginRoutes, { services })
  await app.register(async (authed) => {
    authed.addHook('preHandler', balenaAuthenticate(services.auth))
    await authed.register(whoamiRoutes, { services })
    await authed.register(apiKeyRoutes, { services })
    await authed.register(deviceRoutes, { services })
    await authed.register(odataRoutes, { services })
  })
}
