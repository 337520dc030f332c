import { type Config } from '../config.js'
import { listenForMetrics } from '../http/metrics.js'
import { createKeyward } from '../server.js'

/**
 * Runs the server until SIGTERM/SIGINT. On first start with no user it creates
 * the admin (printing a generated password once, to the console only).
 */
export async function serve(config: Config): Promise<void> {
  const kw = await createKeyward(config)
  const { app, services } = kw
  const boot = await services.users.bootstrapAdmin(config.adminEmail, config.adminPassword)
  if (boot) {
    app.log.info({ email: boot.user.email }, 'created the first admin user')
    if (boot.generatedPassword) {
      // Printed to the terminal, not the log stream, so log shipping does not carry it.
      process.stdout.write(
        `\n  Keyward admin: ${boot.user.email}\n  Password (shown once): ${boot.generatedPassword}\n\n`,
      )
    }
  }
  await app.listen({ host: config.host, port: config.port })
  const metrics = config.metricsPort === null ? null : await listenForMetrics(config, services.metrics.registry)
  if (metrics) app.log.info({ host: config.metricsHost, port: metrics.port }, 'metrics listening at /metrics')
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
