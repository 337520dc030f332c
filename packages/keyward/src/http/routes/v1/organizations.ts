import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { noStore } from '../../no-store.js'
import { Type } from 'typebox'
import type { Services } from '../../../services/index.js'
import { ctxOf } from '../../auth.js'
import {
  CreateInvitationBody,
  CreateOrganizationBody,
  CreatedInvitationBody,
  InvitationBody,
  InvitationParams,
  MailFailedBody,
  MemberBody,
  MemberParams,
  OrganizationBody,
  SetRoleBody,
  UpdateOrganizationBody,
  toInvitationWire,
  toMemberWire,
  toOrganizationWire,
} from '../../org-schemas.js'
import { listAnswer } from '../../json-stream.js'
import { IdParams, WriteErrors } from '../../schemas.js'

const tags = ['organizations']

type OrgPlugin = FastifyPluginAsyncTypebox<{ services: Services }>

/** `/v1/organizations`: organizations, their members and invitations. Rules live in services/orgs/. */
export const organizationRoutes: OrgPlugin = async (app, { services }) => {
  for (const routes of [orgRoutes, memberRoutes, orgInvitationRoutes]) await app.register(routes, { services })
}

/** Create, list, read, rename, delete. */
const orgRoutes: OrgPlugin = async (app, { services }) => {
  const { organizations } = services.orgs
  app.post(
    '/organizations',
    { schema: { tags, body: CreateOrganizationBody, response: { 201: OrganizationBody } } },
    async (req, reply) => {
      const { principal } = ctxOf(req)
      const org = await organizations.create(ctxOf(req), req.body)
      // The caller's roles were read before it existed; its creator owns it.
      const creator = { ...principal, orgs: { ...principal.orgs, [org.id]: 'owner' as const } }
      return reply.status(201).send(toOrganizationWire(org, creator))
    },
  )
  app.get(
    '/organizations',
    { schema: { tags, response: { 200: Type.Object({ organizations: Type.Array(OrganizationBody) }) } } },
    async (req) => {
      const { principal } = ctxOf(req)
      return { organizations: (await organizations.list(ctxOf(req))).map((o) => toOrganizationWire(o, principal)) }
    },
  )
  app.get(
    '/organizations/:id',
    { schema: { tags, params: IdParams, response: { 200: OrganizationBody } } },
    async (req) => toOrganizationWire(await organizations.get(ctxOf(req), req.params.id), ctxOf(req).principal),
  )
  app.patch(
    '/organizations/:id',
    { schema: { tags, params: IdParams, body: UpdateOrganizationBody, response: { 200: OrganizationBody } } },
    async (req) =>
      toOrganizationWire(await organizations.update(ctxOf(req), req.params.id, req.body), ctxOf(req).principal),
  )
  const deleteDescription =
    'Deletes an organization that owns no applications, with its keys (a key.deleted webhook event for each).'
  app.delete(
    '/organizations/:id',
    {
      schema: {
        tags,
        params: IdParams,
        description: deleteDescription,
        response: { 204: Type.Null(), ...WriteErrors },
      },
    },
    async (req, reply) => {
      await organizations.delete(ctxOf(req), req.params.id)
      return reply.status(204).send(null)
    },
  )
}

/** Members and their roles. */
const memberRoutes: OrgPlugin = async (app, { services }) => {
  const { memberships } = services.orgs
  app.get(
    '/organizations/:id/members',
    { schema: { tags, params: IdParams, response: { 200: Type.Object({ members: Type.Array(MemberBody) }) } } },
    // Unpaged: 20,000 members held the loop 170–260 ms serialized in one piece (a tester's find).
    async (req, reply) => listAnswer(reply, 'members', await memberships.list(ctxOf(req), req.params.id), toMemberWire),
  )
  app.patch(
    '/organizations/:id/members/:user_id',
    { schema: { tags, params: MemberParams, body: SetRoleBody, response: { 200: MemberBody } } },
    async (req) =>
      toMemberWire(await memberships.setRole(ctxOf(req), req.params.id, req.params.user_id, req.body.role)),
  )
  app.delete('/organizations/:id/members/:user_id', { schema: { tags, params: MemberParams } }, async (req, reply) => {
    await memberships.remove(ctxOf(req), req.params.id, req.params.user_id)
    return reply.status(204).send()
  })
}

/** An organization's invitations (accepting one is `invitations.ts`, before authentication). */
const orgInvitationRoutes: OrgPlugin = async (app, { services }) => {
  const { invitations } = services.orgs
  app.post(
    '/organizations/:id/invitations',
    {
      onRequest: noStore,
      schema: {
        tags,
        params: IdParams,
        body: CreateInvitationBody,
        response: { 201: CreatedInvitationBody, ...WriteErrors, 502: MailFailedBody },
      },
    },
    async (req, reply) => {
      const created = await invitations.create(ctxOf(req), req.params.id, req.body)
      return reply.status(201).send({ ...created, invitation: toInvitationWire(created.invitation) })
    },
  )
  app.get(
    '/organizations/:id/invitations',
    { schema: { tags, params: IdParams, response: { 200: Type.Object({ invitations: Type.Array(InvitationBody) }) } } },
    async (req, reply) =>
      listAnswer(reply, 'invitations', await invitations.list(ctxOf(req), req.params.id), toInvitationWire),
  )
  app.delete(
    '/organizations/:id/invitations/:invitation_id',
    { schema: { tags, params: InvitationParams } },
    async (req, reply) => {
      await invitations.revoke(ctxOf(req), req.params.id, req.params.invitation_id)
      return reply.status(204).send()
    },
  )
}
