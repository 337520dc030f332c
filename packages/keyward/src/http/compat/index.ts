import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { Config } from '../../config.js'
import type { Services } from '../../services/index.js'
import { type Envelope, nativeEnvelope } from '../errors.js'
import { balenaEnvelope, sendBalenaError } from './balena/errors.js'
import { balenaFace, isBalenaPath } from './balena/index.js'
import { fluxbaseEnvelope, sendFluxbaseError } from './fluxbase/errors.js'
import { FLUXBASE_PREFIX, fluxbaseFace } from './fluxbase/index.js'
import { realmEnvelope, sendRealmError } from './realm/errors.js'
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

type Face = 'balena' | 'realm' | 'fluxbase'

/** The face a request path belongs to, or null for the native API. Realm's prefix may follow `KEYWARD_PUBLIC_URL`'s path. */
function faceOf(url: string): Face | null {
  if (isBalenaPath(url)) return 'balena'
  if (url.includes(`${REALM_PREFIX}/`)) return 'realm'
  if (url.startsWith(`${FLUXBASE_PREFIX}/`)) return 'fluxbase'
  return null
}

const senders: Record<Face, ErrorSender> = {
  balena: sendBalenaError,
  realm: sendRealmError,
  fluxbase: sendFluxbaseError,
}
const envelopes: Record<Face, Envelope> = { balena: balenaEnvelope, realm: realmEnvelope, fluxbase: fluxbaseEnvelope }

/**
 * The error writer of the face a request path belongs to, or null for the native API's. Routes answer
 * in their face's envelope by themselves; this is for what fails before routing (a malformed
 * %-escape in the path), which has no route to ask: in the native envelope, balena-sdk printed
 * `[object Object]` (a fuzzer's find).
 */
export function faceErrorSender(url: string): ErrorSender | null {
  const face = faceOf(url)
  return face && senders[face]
}

/** The envelope of the face a path belongs to, for an answer with no reply to write it (`client-errors.ts`). */
export function faceEnvelope(url: string): Envelope {
  const face = faceOf(url)
  return face ? envelopes[face] : nativeEnvelope
}
