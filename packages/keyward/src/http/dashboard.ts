import fastifyStatic from '@fastify/static'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { existsSync, statSync } from 'node:fs'
import { dirname, extname, join, normalize, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
/** The copy the build ships inside the keyward package (`dist/dashboard`, next to `dist/http`). */
const SHIPPED_DASHBOARD_DIR = join(here, '..', 'dashboard')
/**
 * Where the dashboard is: the copy shipped in the package when it exists (an installed server,
 * or `dist/` in a checkout), else the dashboard package's own build (sources run from a checkout).
 */
export const DEFAULT_DASHBOARD_DIR = existsSync(join(SHIPPED_DASHBOARD_DIR, 'index.html'))
  ? SHIPPED_DASHBOARD_DIR
  : join(here, '..', '..', '..', 'dashboard', 'dist')

/**
 * Paths the dashboard must never answer, even as the SPA fallback: the API, its docs,
 * health checks and the compat faces' prefixes. Unknown paths under them keep the
 * native JSON 404 instead of turning into an HTML page.
 */
export const RESERVED_PREFIXES = [
  '/v1',
  '/docs',
  '/openapi.json',
  '/healthz',
  '/readyz',
  '/v7',
  '/api-key',
  '/actor',
  '/login_',
  '/device',
  '/api',
]

/** `/v1` covers `/v1/...`; a prefix ending in `_` (balena's `/login_`) covers any path it starts. */
const isReserved = (path: string) =>
  RESERVED_PREFIXES.some((p) => path === p || path.startsWith(p.endsWith('_') ? p : p + '/'))

/** Answers a request the router did not match, or returns undefined to leave it a 404. */
export type DashboardFallback = (req: FastifyRequest, reply: FastifyReply) => FastifyReply | undefined

/**
 * Serves the built dashboard (static files) at `/`, with `index.html` for client-side
 * routes (`/keys/12`). It is not a route: it answers GET/HEAD requests that no route
 * matched, from the root not-found handler, so it can never shadow a real route, and
 * the compat faces' own not-found handlers (with their envelopes) keep their prefixes.
 * Returns undefined when the build is missing.
 */
export async function registerDashboard(
  app: FastifyInstance,
  root: string = DEFAULT_DASHBOARD_DIR,
): Promise<DashboardFallback | undefined> {
  if (!existsSync(join(root, 'index.html'))) {
    app.log.warn({ root }, 'dashboard not built: run `npm run build -w @keyward/dashboard` to serve it at /')
    return undefined
  }
  // serve: false: only `reply.sendFile`, with @fastify/static's safe path handling; routing stays ours.
  await app.register(fastifyStatic, { root, serve: false })
  return (req, reply) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return undefined
    let path: string
    try {
      path = decodeURIComponent(req.url.split('?')[0] ?? '/')
    } catch {
      return undefined // malformed %-escape: not a page of ours
    }
    if (isReserved(path)) return undefined
    const rel = normalize(path).replace(/^[/\\]+/, '')
    const file = join(root, rel)
    if (rel && !rel.split(sep).includes('..') && existsSync(file) && statSync(file).isFile()) {
      // Vite names assets by content hash, so they never change under the same name.
      const immutable = rel.startsWith('assets' + sep)
      void reply.status(200).header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
      return reply.sendFile(rel, { cacheControl: false })
    }
    // A missing asset is a 404, not the app's HTML (which would fail as a script in confusing ways).
    if (extname(rel)) return undefined
    // Its security headers are added to every HTML response by `html-headers.ts`.
    return reply.status(200).header('cache-control', 'no-cache').sendFile('index.html', { cacheControl: false })
  }
}
