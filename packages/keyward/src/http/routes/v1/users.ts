import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { MAX_ROW_ID } from '../../../core/types.js'
import type { Services } from '../../../services/index.js'
import { ctxOf } from '../../auth.js'
import { Id, IdParams, Password, UserBody, toUserWire } from '../../schemas.js'

const CreateUserBody = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 320 }),
    password: Password,
    username: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' })),
    role: Type.Optional(Type.Union([Type.Literal('admin'), Type.Literal('member')])),
  },
  { additionalProperties: false },
)

const ListUsersQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
    before_id: Type.Optional(Id),
    password_set_by_key_id: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_ROW_ID,
        description:
          'Only users whose current password this key chose (a user it created, a reset): what `revoke {minted: true}` of it clears. Admins only: a member gets an empty list.',
      }),
    ),
  },
  { additionalProperties: false },
)

export const userRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.post(
    '/users',
    { schema: { tags: ['users'], body: CreateUserBody, response: { 201: UserBody } } },
    async (req, reply) => {
      const user = await services.users.create(ctxOf(req), req.body)
      return reply.status(201).send(toUserWire(user))
    },
  )

  app.get(
    '/users',
    {
      schema: {
        tags: ['users'],
        querystring: ListUsersQuery,
        response: { 200: Type.Object({ users: Type.Array(UserBody) }) },
      },
    },
    async (req) => {
      const { limit, before_id, password_set_by_key_id } = req.query
      const users = await services.users.list(ctxOf(req), limit, before_id, password_set_by_key_id)
      return { users: users.map(toUserWire) }
    },
  )

  app.get('/users/:id', { schema: { tags: ['users'], params: IdParams, response: { 200: UserBody } } }, async (req) =>
    toUserWire(await services.users.get(ctxOf(req), req.params.id)),
  )
}
