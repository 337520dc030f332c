import cors from '@fastify/cors'
import type { FastifyPluginAsync } from 'fastify'
import type { Config } from '../../../config.js'
import { KeywardError } from '../../../core/errors.js'
import type { Services } from '../../../services/index.js'
import { fluxbaseAuthRoutes } from './auth-routes.js'
import { sendFluxbaseError } from './errors.js'
import { type KeyFamily, fluxbaseKeyRoutes } from './key-routes.js'

/** Fluxbase's API root. Distinct from the native `/v1`. */
export const FLUXBASE_PREFIX = '/api/v1'

const families: [string, KeyFamily][] = [
  ['/api-keys', { one: 'api_key', many: 'api_keys', word: 'API key' }],
  ['/client-keys', { one: 'client_key', many: 'client_keys', word: 'Client key' }],
]

/**
 * The Fluxbase face: the requests of Fluxbase's TypeScript SDK (v0.2.0 and
 * 2026) for auth and key management, under `/api/v1`, answering in Fluxbase's
 * `{"error": "<message>"}` envelope (unknown routes and parse errors included).
 */
export const fluxbaseFace: FastifyPluginAsync<{ services: Services; config: Config }> = async (app, { services }) => {
  await app.register(
    async (flux) => {
      await flux.register(cors, {
        origin: true,
        methods: ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'],
        allowedHeaders: [
          'Authorization',
          'Content-Type',
          'apikey',
          'X-Client-Key',
          'X-API-Key',
          'X-FB-Tenant',
          'clientkey',
        ],
      })
      flux.setErrorHandler((err, req, reply) => sendFluxbaseError(err, req, reply))
      flux.setNotFoundHandler((req, reply) => sendFluxbaseError(new KeywardError('not_found', 'Not found'), req, reply))
      await flux.register(fluxbaseAuthRoutes, { services })
      for (const [prefix, family] of families) await flux.register(fluxbaseKeyRoutes, { prefix, services, family })
    },
    { prefix: FLUXBASE_PREFIX },
  )
}
