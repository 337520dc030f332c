import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { sql } from 'kysely'
import { Type } from 'typebox'
import { KeywardError } from '../../core/errors.js'
import type { Services } from '../../services/index.js'

const Status = Type.Object({ status: Type.String() })

/** Liveness (the process answers) and readiness (the database answers). */
export const healthRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.get('/healthz', { schema: { tags: ['health'], security: [], response: { 200: Status } } }, async () => ({
    status: 'ok',
  }))
  app.get('/readyz', { schema: { tags: ['health'], security: [], response: { 200: Status } } }, async () => {
    try {
      await sql`select 1`.execute(services.store.db)
    } catch (e) {
      throw new KeywardError('unavailable', 'database unavailable', { cause: e })
    }
    return { status: 'ready' }
  })
}
