import { type Config } from '../config.js'
import { KeywardError } from '../core/errors.js'
import type { App } from '../http/app.js'
import { addressesOf, feedFrom, urlHost } from '../http/bindings.js'
import { listenForMetrics } from '../http/metrics.js'
import { createKeyward } from '../server.js'
import type { UserService } from '../services/auth/user-service.js'

/**
 * Runs the server until SIGTERM/SIGINT. On first start with no user it creates
 * the admin (printing a generated password once, to the console only).
 */
export async function serve(config: Config): Promise<void> {
  const kw = await createKeyward(config)
  const { app, services } = kw
  // Before listening, so the first request can already sign in as the admin.
  const boot = await services.users.bootstrapAdmin(config.adminEmail, config.adminPassword).catch(async (e) => {
    await kw.close() // or its pools and timers keep a process that will never listen alive
    throw e
  })
  if (boot) app.log.info({ email: boot.user.email }, 'created the first admin user')
  await listen(app, config).catch(async (e: unknown) => {
    await kw.close()
    showPassword(boot) // shown even so: the next start will not show it again
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e
    // The admin exists now, and the next start shows no password: say which one to keep (a new user lost it).
    const admin = boot?.generatedPassword
      ? `; the first admin (${boot.user.email}) was created: its password is the one shown above (lost: \`keyward reset-password ${boot.user.email} --generate\`)`
      : ''
    throw new KeywardError(
      'unavailable',
      `${config.host}:${config.port} is in use: choose another port (--port, KEYWARD_PORT)${admin}`,
    )
  })
  showPassword(boot)
  const metrics = config.metricsPort === null ? null : await listenForMetrics(config, services.metrics.registry)
  if (metrics) app.log.info({ addresses: metrics.addresses, port: metrics.port }, 'metrics listening at /metrics')
  const stop = (signal: string) => {
    app.log.info({ signal }, 'shutting down: finishing requests and flushing usage')
    Promise.all([metrics?.close(), kw.close()]).then(
      () => process.exit(0),
      (e) => {
        app.log.error({ err: e }, 'shutdown failed')
        process.exit(1)
      },
    )
  }
  process.once('SIGTERM', () => stop('SIGTERM'))
  process.once('SIGINT', () => stop('SIGINT'))
}

/**
 * Listens where `config.host` says: every address of `localhost` (127.0.0.1 and ::1 on most
 * machines), each reaching the same server (`bindings.ts`), not one Fastify built beside it.
 */
async function listen(app: App, config: Config): Promise<void> {
  const [first = config.host, ...others] = await addressesOf(config.host)
  await app.listen({ host: first, port: config.port })
  await feedFrom(app.server, others, {
    bound: (address, port) => app.log.info(`Server listening at http://${urlHost(address)}:${port}`),
    error: (err) => app.log.error({ err }, 'a listener failed; the others still accept'),
  })
}

/** A generated first admin password, printed to the terminal, not the log stream, so log shipping does not carry it. */
function showPassword(boot: Awaited<ReturnType<UserService['bootstrapAdmin']>>): void {
  if (boot?.generatedPassword)
    process.stdout.write(
      `\n  Keyward admin: ${boot.user.email}\n  Password (shown once): ${boot.generatedPassword}\n\n`,
    )
}
