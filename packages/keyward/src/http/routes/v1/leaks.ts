import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { KeywardError } from '../../../core/errors.js'
import type { Services } from '../../../services/index.js'
import { ErrorBody } from '../../schemas.js'

const ReportBody = Type.Object({ key: Type.String({ minLength: 1, maxLength: 512 }) }, { additionalProperties: false })
const Received = Type.Object({ status: Type.Literal('received') })
const Feedback = Type.Array(
  Type.Object({
    token_hash: Type.String(),
    token_type: Type.String(),
    label: Type.Union([Type.Literal('true_positive'), Type.Literal('false_positive')]),
  }),
)

/**
 * Leak intake, unauthenticated by design: a report can only take rights away.
 * `POST /v1/keys/leaked` — whoever holds a secret may kill it; the answer is the same whether
 * or not the key exists (no existence oracle). `POST /v1/leaks/github` — GitHub's
 * secret-scanning partner program, verified against GitHub's signature over the raw body.
 */
export const leakRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.post(
    '/keys/leaked',
    {
      schema: {
        tags: ['leaks'],
        security: [],
        summary: 'Report a leaked secret (no credentials needed)',
        description:
          'Report a secret found exposed, without credentials: whoever holds a secret may end it. Keyward acts ' +
          'as `KEYWARD_LEAK_ACTION` says (revoke, disable or notify; a rolled-away secret ends its grace period ' +
          'and what it made then), records `key.leaked` and sends the webhooks. The answer is 202 whether or not ' +
          'the key exists, so it tells nothing; reports are rate-limited per address (429).',
        body: ReportBody,
        response: { 202: Received, 400: ErrorBody, 429: ErrorBody },
      },
    },
    async (req, reply) => {
      await services.leaks.selfReport(req.body.key, req.ip)
      return reply.status(202).send({ status: 'received' })
    },
  )

  await app.register(async (github) => {
    // The signature covers the exact bytes GitHub sent: keep them, parse later.
    github.removeAllContentTypeParsers()
    github.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body))
    github.post(
      '/leaks/github',
      {
        schema: { tags: ['leaks'], response: { 200: Feedback, 400: ErrorBody, 401: ErrorBody, 404: ErrorBody } },
      },
      async (req) => {
        if (!services.leaks.githubEnabled) throw new KeywardError('not_found', 'Route POST:/v1/leaks/github not found')
        const header = (name: string) => (typeof req.headers[name] === 'string' ? req.headers[name] : undefined)
        const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)
        return services.leaks.github(
          raw,
          header('github-public-key-identifier'),
          header('github-public-key-signature'),
          req.ip,
        )
      },
    )
  })
}
