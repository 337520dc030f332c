import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Services } from '../../../services/index.js'
import { authenticate } from '../../auth.js'
import { applicationRoutes } from './applications.js'
import { auditRoutes } from './audit.js'
import { authRoutes, loginRoute } from './auth.js'
import { deviceRoutes } from './devices.js'
import { identityRoutes } from './identities.js'
import { keyRoutes } from './keys.js'
import { invitationRoutes } from './invitations.js'
import { leakRoutes } from './leaks.js'
import { sessionRoutes } from './sessions.js'
import { userLifecycleRoutes } from './user-lifecycle.js'
import { organizationRoutes } from './organizations.js'
import { userRoutes } from './users.js'
import { webhookRoutes } from './webhooks.js'

/** The native API under /v1. Everything but login and the leak intake needs a bearer credential. */
export const v1Routes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  await app.register(loginRoute, { services })
  await app.register(leakRoutes, { services })
  await app.register(invitationRoutes, { services })
  await app.register(async (authed) => {
    authed.addHook('preHandler', authenticate(services.auth))
    for (const routes of [
      authRoutes,
      sessionRoutes,
      userRoutes,
      userLifecycleRoutes,
      applicationRoutes,
      deviceRoutes,
      keyRoutes,
      identityRoutes,
      auditRoutes,
      webhookRoutes,
      organizationRoutes,
    ]) {
      await authed.register(routes, { services })
    }
  })
}
