import type { FastifyPluginAsync } from 'fastify'
import type { Config } from '../../config.js'
import type { Services } from '../../services/index.js'
import { balenaFace } from './balena/index.js'
import { fluxbaseFace } from './fluxbase/index.js'
import { realmFace } from './realm/index.js'

/**
 * Wire-compatible faces for clients migrating from other systems. Each is a
 * Fastify plugin registered at the origin root, with its own error envelope,
 * translating its wire format into the same service calls as the native API.
 */
export const compatFaces: FastifyPluginAsync<{ services: Services; config: Config }>[] = [
  balenaFace, // /v7, /api-key, /actor/v1, /login_, /device/register
  realmFace, // /api/client/v2.0
  fluxbaseFace, // /api/v1
]
