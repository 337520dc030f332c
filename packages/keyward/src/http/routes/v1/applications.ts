import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { Services } from '../../../services/index.js'
import { ctxOf } from '../../auth.js'
import { ApplicationBody, IdParams, PageQuery, WriteErrors, toApplicationWire } from '../../schemas.js'
import { MAX_ROW_ID } from '../../../core/types.js'

/** Letters, digits, dots, underscores and hyphens, from a letter or digit: `..` made the slug `acme/..` (helper-124). */
const ApplicationName = Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' })

const CreateApplicationBody = Type.Object(
  {
    name: ApplicationName,
    /** The organization it belongs to; default: the caller's personal organization. */
    organization_id: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_ROW_ID })),
  },
  { additionalProperties: false },
)

const ListApplicationsQuery = Type.Object(
  {
    ...PageQuery.properties,
    /** Only this organization's (one the caller does not belong to lists none). */
    organization_id: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_ROW_ID })),
  },
  { additionalProperties: false },
)

export const applicationRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.post(
    '/applications',
    { schema: { tags: ['applications'], body: CreateApplicationBody, response: { 201: ApplicationBody } } },
    async (req, reply) => {
      const created = await services.owners.createApplication(ctxOf(req), req.body)
      return reply.status(201).send(toApplicationWire(created))
    },
  )

  app.get(
    '/applications',
    {
      schema: {
        tags: ['applications'],
        querystring: ListApplicationsQuery,
        response: { 200: Type.Object({ applications: Type.Array(ApplicationBody) }) },
      },
    },
    async (req) => {
      const { limit, before_id, organization_id } = req.query
      const apps = await services.owners.listApplications(ctxOf(req), limit, before_id, organization_id)
      return { applications: apps.map(toApplicationWire) }
    },
  )

  app.get(
    '/applications/:id',
    { schema: { tags: ['applications'], params: IdParams, response: { 200: ApplicationBody } } },
    async (req) => toApplicationWire(await services.owners.getApplication(ctxOf(req), req.params.id)),
  )
  await app.register(applicationChangeRoutes, { services })
}

/** Rename and delete: admins and owners of the application's organization (`canManageApplications`). */
const applicationChangeRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.patch(
    '/applications/:id',
    {
      schema: {
        tags: ['applications'],
        description:
          "Renames an application; its slug becomes `<organization handle>/<name>`. Admins and owners of the application's organization.",
        params: IdParams,
        body: Type.Object({ name: ApplicationName }, { additionalProperties: false }),
        response: { 200: ApplicationBody },
      },
    },
    async (req) => toApplicationWire(await services.owners.renameApplication(ctxOf(req), req.params.id, req.body.name)),
  )

  app.delete(
    '/applications/:id',
    {
      schema: {
        tags: ['applications'],
        description:
          "Deletes an application with its devices and every key of both (a key.deleted webhook event for each). Admins and owners of the application's organization.",
        params: IdParams,
        response: { 204: Type.Null(), ...WriteErrors },
      },
    },
    async (req, reply) => {
      await services.owners.deleteApplication(ctxOf(req), req.params.id)
      return reply.status(204).send(null)
    },
  )
}
