import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { Config } from '../../config.js'
import type { Services } from '../../services/index.js'
import { sendBalenaError } from './balena/errors.js'
import { balenaFace, isBalenaPath } from './balena/index.js'
import { sendFluxbaseError } from './fluxbase/errors.js'
import { FLUXBASE_PREFIX, fluxbaseFace } from './fluxbase/index.js'
import { sendRealmError } from './realm/errors.js'
import { REALM_PREFIX, realmFace } from './realm/index.js'

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

/** A face's error writer (`sendBalenaError`, …). */
export type ErrorSender = (err: unknown, req: FastifyRequest, reply: FastifyReply) => FastifyReply

/**
 * The error writer of the face a request path belongs to, or null for the native API's. Routes answer
 * in their face's envelope by themselves; this is for what fails before routing (a malformed
 * %-escape in the path), which has no route to ask: in the native envelope, balena-sdk printed
 * `[object Object]` (a fuzzer's find). Realm's prefix may follow `KEYWARD_PUBLIC_URL`'s path.
 */
export function faceErrorSender(url: string): ErrorSender | null {
  if (isBalenaPath(url)) return sendBalenaError
  if (url.includes(`${REALM_PREFIX}/`)) return sendRealmError
  if (url.startsWith(`${FLUXBASE_PREFIX}/`)) return sendFluxbaseError
  return null
}
