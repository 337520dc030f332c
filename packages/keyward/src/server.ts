import type { Config } from './config.js'
import { KeywardError } from './core/errors.js'
import { type App, type AppOptions, buildApp } from './http/app.js'
import { type ServiceOptions, type Services, createServices } from './services/index.js'

export interface Keyward {
  app: App
  services: Services
  /** Stops accepting, finishes in-flight requests, flushes batched writes, closes the database. */
  close(): Promise<void>
}

/** Wires a whole Keyward server (services + HTTP) without listening. */
export async function createKeyward(config: Config, opts: ServiceOptions & AppOptions = {}): Promise<Keyward> {
  const services = await createServices(config, opts)
  let app: App
  try {
    app = await buildApp(services, config, opts)
  } catch (e) {
    await services.close()
    throw e
  }
  services.setErrorHandler((e) => logBackgroundFailure(app.log, e))
  let closing: Promise<void> | null = null
  return {
    app,
    services,
    close() {
      closing ??= (async () => {
        // Refuses new connections, answers every request already sent, closes connections as they go idle
        // (`http/graceful-close.ts`), then runs Fastify's onClose hooks.
        await app.close()
        await services.close()
      })()
      return closing
    },
  }
}

/**
 * A background task (usage flush, bus, sweeper, dispatcher) that met a busy or unavailable store
 * keeps its work and tries again on its next turn: a warning, not an error (at boot on SQLite, two
 * servers starting at once had a sweep's read queued past its budget logged at level 50, a
 * fuzzer's note). Anything else is an error.
 */
export function logBackgroundFailure(log: Pick<App['log'], 'warn' | 'error'>, e: unknown): void {
  if (e instanceof KeywardError && e.code === 'unavailable')
    log.warn({ err: e }, 'background task deferred: the database is busy or unavailable; it retries on its next turn')
  else log.error({ err: e }, 'background task failed (usage flush, invalidation bus, sweeper or webhook dispatcher)')
}
