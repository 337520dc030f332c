import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

const COMMON =
  "default-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"

/**
 * The dashboard's HTML may only load its own scripts and styles and talk to this origin;
 * it cannot be framed (clickjacking on the revoke/delete buttons).
 */
export const DASHBOARD_CSP = `${COMMON}; style-src 'self'`

/** Swagger UI (`/docs`) writes inline styles; its scripts are still its own files only. */
export const DOCS_CSP = `${COMMON}; style-src 'self' 'unsafe-inline'`

const OTHER_HEADERS = {
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
}

const isHtml = (type: ReturnType<FastifyReply['getHeader']>) => /^text\/html\b/i.test(String(type ?? ''))

/** The route that answered, as declared (`/docs/*`): spellings of the URL (`/%64ocs`) do not matter. */
const isDocs = (req: FastifyRequest) => (req.routeOptions.url ?? '').startsWith('/docs')

/**
 * Every HTML response gets the CSP and anti-framing headers, decided by content type in one
 * onSend hook rather than by each place that serves a page: a path that reaches an HTML file
 * some other way (`/index.html`, `/%69ndex.html`, `/./index.html`, the API docs) is covered too.
 */
export function installHtmlHeaders(app: FastifyInstance): void {
  // Callback-style: every response runs it, and an async hook costs a promise and a microtask turn.
  app.addHook('onSend', (req, reply, payload, done) => {
    if (isHtml(reply.getHeader('content-type')))
      void reply.header('content-security-policy', isDocs(req) ? DOCS_CSP : DASHBOARD_CSP).headers(OTHER_HEADERS)
    done(null, payload)
  })
}
