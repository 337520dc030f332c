import type { Config } from './config.js'
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
  services.setErrorHandler((e) => app.log.error({ err: e }, 'background task failed (usage flush or invalidation bus)'))
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
