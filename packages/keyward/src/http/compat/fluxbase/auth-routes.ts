import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { noStore } from '../../no-store.js'
import { Type } from 'typebox'
import { KeywardError } from '../../../core/errors.js'
import type { Services } from '../../../services/index.js'
import type { RefreshableSession } from '../../../services/auth/token-service.js'
import { bearerToken, callContextOf } from '../../auth.js'
import { fluxbaseCaller } from './caller.js'
import { FluxbaseErrorBody, FluxbaseUserBody, toFluxbaseUser } from './wire.js'

// Extra fields (2026's captcha_token, challenge_id, device_fingerprint) are accepted and ignored.
const SignInBody = Type.Object({
  email: Type.String({ minLength: 1, maxLength: 320 }),
  password: Type.String({ minLength: 1, maxLength: 1024 }),
})
const RefreshBody = Type.Object({ refresh_token: Type.String({ minLength: 1, maxLength: 512 }) })
const SessionBody = Type.Object({
  user: FluxbaseUserBody,
  access_token: Type.String(),
  refresh_token: Type.String(),
  expires_in: Type.Integer(),
})
const Message = Type.Object({ message: Type.String() })
const errors = { 400: FluxbaseErrorBody, 401: FluxbaseErrorBody, 403: FluxbaseErrorBody, 429: FluxbaseErrorBody }
const tags = ['fluxbase']
const ARTICLE = { organization: 'an organization', application: 'an application', device: 'a device' } as const

const sessionWire = (s: RefreshableSession) => ({
  user: toFluxbaseUser(s.user),
  access_token: s.accessToken,
  refresh_token: s.refreshToken,
  expires_in: s.expiresInS,
})

/**
 * `/api/v1/auth/*`. Sign-in and refresh ignore any Authorization header (a
 * 2026 client sends its anon key there); the access token is a native session.
 */
export const fluxbaseAuthRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.post(
    '/auth/signin',
    {
      onRequest: noStore,
      config: { fluxbaseErrors: { unauthorized: { code: 'INVALID_CREDENTIALS', error: 'Invalid email or password' } } },
      schema: { tags, security: [], body: SignInBody, response: { 200: SessionBody, ...errors } },
    },
    async (req) => sessionWire(await services.tokens.fluxbaseSignIn(req.body.email, req.body.password, req.ip)),
  )

  app.post(
    '/auth/refresh',
    {
      onRequest: noStore,
      config: {
        fluxbaseErrors: { unauthorized: { code: 'INVALID_REFRESH_TOKEN', error: 'Invalid or expired refresh token' } },
      },
      schema: { tags, security: [], body: RefreshBody, response: { 200: SessionBody, ...errors } },
    },
    async (req) => sessionWire(await services.tokens.fluxbaseRefresh(req.body.refresh_token, callContextOf(req))),
  )

  // Ends the presented session; 200 even when it was already dead (the SDK clears its state anyway).
  // 503 (UNAVAILABLE) when the database is down: an outage never looks like a completed sign-out.
  app.post('/auth/signout', { schema: { tags, response: { 200: Message, 503: FluxbaseErrorBody } } }, async (req) => {
    await services.tokens.fluxbaseSignOut(bearerToken(req), req.ip)
    return { message: 'Successfully signed out' }
  })

  app.get('/auth/user', { schema: { tags, response: { 200: FluxbaseUserBody, ...errors } } }, async (req) => {
    const { principal } = await fluxbaseCaller(services, req)
    // Only a user's own credential is that user. An application's or device's key has no user:
    // its owner's `userId` is the application's creator, whose profile it may not read (the native
    // `GET /v1/users/:id` refuses it too; found by an attacker).
    if (principal.owner.kind !== 'user')
      throw new KeywardError('forbidden', `a key of ${ARTICLE[principal.owner.kind]} is no user's`)
    const user = await services.users.whoIs(principal.owner.id)
    if (!user) throw new KeywardError('unauthorized', 'Invalid or expired token')
    return toFluxbaseUser(user)
  })

  // Keyward has no self sign-up: users are created by an administrator.
  app.post('/auth/signup', { schema: { tags, security: [], response: { 403: FluxbaseErrorBody } } }, async () => {
    throw new KeywardError('forbidden', 'Sign-up is disabled')
  })
}
