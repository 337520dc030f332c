import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'

/**
 * The hook of a route whose answer carries a credential (a session or refresh token, an invitation's
 * token): `Cache-Control: no-store`, so no cache between the client and Keyward (a proxy, a CDN, the
 * browser's disk) keeps it — a credential lives only in the answer that gave it. Keys' and webhook
 * secrets' routes set it themselves. Set before the handler runs, so a refusal carries it too.
 */
export function noStore(_req: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
  void reply.header('cache-control', 'no-store')
  done()
}
