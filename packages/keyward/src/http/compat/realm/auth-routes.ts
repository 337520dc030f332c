import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { noStore } from '../../no-store.js'
import { type TSchema, Type } from 'typebox'
import type { Config } from '../../../config.js'
import { KeywardError } from '../../../core/errors.js'
import type { RealmLogin } from '../../../services/auth/token-service.js'
import type { Services } from '../../../services/index.js'
import { bearerToken, callContextOf } from '../../auth.js'
import { type RealmErrorOverrides, keyLoginErrors, passwordLoginErrors } from './errors.js'
import { RealmErrorBody, RealmProfileBody, deviceIdOf, toRealmProfile } from './wire.js'

const AppParams = Type.Object({ appId: Type.String() })
/** Login options: realm-web's device description, ignored except for its device id. */
const Options = Type.Optional(Type.Object({ device: Type.Optional(Type.Object({})) }))
const PasswordLoginBody = Type.Object({
  username: Type.String({ minLength: 1 }),
  password: Type.String({ minLength: 1 }),
  options: Options,
})
const KeyLoginBody = Type.Object({ key: Type.String({ minLength: 1 }), options: Options })
const AnonLoginBody = Type.Object({ options: Options })
const LoginResponse = Type.Object({
  user_id: Type.String(),
  access_token: Type.String(),
  refresh_token: Type.String(),
  device_id: Type.String(),
})
const LocationResponse = Type.Object({
  deployment_model: Type.String(),
  location: Type.String(),
  hostname: Type.String(),
  ws_hostname: Type.String(),
})
const errors = { 400: RealmErrorBody, 401: RealmErrorBody, 403: RealmErrorBody, 429: RealmErrorBody }
const tags = ['realm']

const loginWire = (r: RealmLogin) => ({
  user_id: r.session.subject,
  access_token: r.accessToken,
  refresh_token: r.refreshToken,
  device_id: r.session.deviceId ?? '',
})

/** The options of a login route: its body, and how its refusals read in Realm's words. */
function loginRouteOptions<B extends TSchema>(body: B, realmErrors?: RealmErrorOverrides) {
  return {
    ...(realmErrors && { config: { realmErrors } }),
    onRequest: noStore,
    schema: { tags, security: [], params: AppParams, body, response: { 200: LoginResponse, ...errors } },
  }
}

type RealmPlugin = FastifyPluginAsyncTypebox<{ services: Services; config: Config }>

/** Location, logins, profile and sessions of `/api/client/v2.0`. Credentials are checked by the token service. */
export const realmAuthRoutes: RealmPlugin = async (app, { services, config }) => {
  await app.register(loginRoutes, { services, config })
  await app.register(realmSessionRoutes, { services, config })
}

/** The app's location, and the three ways to log in. */
const loginRoutes: RealmPlugin = async (app, { services, config }) => {
  const { tokens } = services

  // Any app id: Keyward is the one "app". Later URLs are hostname + path, so no trailing slash.
  app.get(
    '/app/:appId/location',
    { schema: { tags, security: [], params: AppParams, response: { 200: LocationResponse } } },
    async (req) => {
      const hostname = config.publicUrl ? config.publicUrl.replace(/\/+$/, '') : `${req.protocol}://${req.host}`
      return { deployment_model: 'GLOBAL', location: 'US-VA', hostname, ws_hostname: hostname.replace(/^http/, 'ws') }
    },
  )

  app.post(
    '/app/:appId/auth/providers/local-userpass/login',
    loginRouteOptions(PasswordLoginBody, passwordLoginErrors),
    async (req) =>
      loginWire(await tokens.realmLoginPassword(req.body.username, req.body.password, deviceIdOf(req.body), req.ip)),
  )

  app.post('/app/:appId/auth/providers/api-key/login', loginRouteOptions(KeyLoginBody, keyLoginErrors), async (req) =>
    loginWire(await tokens.realmLoginKey(req.body.key, deviceIdOf(req.body), callContextOf(req))),
  )

  app.post('/app/:appId/auth/providers/anon-user/login', loginRouteOptions(AnonLoginBody), async (req) =>
    loginWire(await tokens.realmLoginAnonymous(deviceIdOf(req.body), req.ip)),
  )
}

/** Sign-up (refused), the profile, refreshing and logging out. */
const realmSessionRoutes: RealmPlugin = async (app, { services }) => {
  const { tokens } = services

  // Keyward has no self sign-up (users are created by an administrator): refused, in Realm's envelope.
  app.post(
    '/app/:appId/auth/providers/local-userpass/register',
    { schema: { tags, security: [], params: AppParams, response: errors } },
    async () => {
      throw new KeywardError('forbidden', 'sign-up is disabled; ask an administrator for an account')
    },
  )

  app.get('/auth/profile', { schema: { tags, response: { 200: RealmProfileBody, ...errors } } }, async (req) =>
    toRealmProfile(await tokens.realmSessionOfAccess(bearerToken(req), callContextOf(req))),
  )

  // Refresh: the refresh token is not rotated (realm-web keeps the old one).
  app.post(
    '/auth/session',
    {
      onRequest: noStore,
      schema: { tags, response: { 201: Type.Object({ access_token: Type.String() }), ...errors } },
    },
    async (req, reply) =>
      reply.status(201).send({ access_token: await tokens.realmRefresh(bearerToken(req), callContextOf(req)) }),
  )

  // logOut: 204 (no body, no Content-Type) whatever the token (realm-web rejects logOut() on most errors);
  // 503 ServiceUnavailable when the database is down: an outage never looks like a completed logout.
  app.delete('/auth/session', { schema: { tags } }, async (req, reply) => {
    await tokens.realmLogout(bearerToken(req), req.ip)
    return reply.status(204).send()
  })
}
