import cors from '@fastify/cors'
import type { FastifyPluginAsync } from 'fastify'
import type { Config } from '../../../config.js'
import { KeywardError } from '../../../core/errors.js'
import type { Services } from '../../../services/index.js'
import { realmAuthRoutes } from './auth-routes.js'
import { sendRealmError } from './errors.js'
import { realmKeyRoutes } from './key-routes.js'

/** Where realm-web sends everything: `<baseUrl or location hostname>/api/client/v2.0`. */
export const REALM_PREFIX = '/api/client/v2.0'

/**
 * The MongoDB Realm (Atlas App Services) face: enough of `/api/client/v2.0` for
 * the unmodified realm-web SDK to log in (password, API key, anonymous), refresh,
 * log out and manage user API keys. Errors and unknown routes answer in Realm's envelope.
 */
export const realmFace: FastifyPluginAsync<{ services: Services; config: Config }> = async (app, opts) => {
  for (const prefix of realmPrefixes(opts.config.publicUrl)) await app.register(realmScope(opts), { prefix })
}

/**
 * realm-web builds URLs as location hostname + `/api/client/v2.0/…`, so a public
 * URL with a path (`https://example.com/keyward`) needs the routes under that path
 * too (for a proxy that does not strip it).
 */
export function realmPrefixes(publicUrl: string | null): string[] {
  if (!publicUrl) return [REALM_PREFIX]
  if (!URL.canParse(publicUrl))
    throw new KeywardError('validation_failed', `KEYWARD_PUBLIC_URL must be an absolute URL, got "${publicUrl}"`)
  const path = new URL(publicUrl).pathname.replace(/\/+$/, '')
  return path ? [REALM_PREFIX, path + REALM_PREFIX] : [REALM_PREFIX]
}

function realmScope(opts: { services: Services; config: Config }): FastifyPluginAsync {
  return async (realm) => {
    await realm.register(cors, {
      origin: true,
      methods: ['GET', 'POST', 'PUT', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type'],
    })
    realm.setErrorHandler((err, req, reply) => sendRealmError(err, req, reply))
    realm.setNotFoundHandler((req, reply) =>
      sendRealmError(new KeywardError('not_found', `no route for ${req.method} ${req.url.split('?')[0]}`), req, reply),
    )
    await realm.register(realmAuthRoutes, opts)
    await realm.register(realmKeyRoutes, opts)
  }
}
