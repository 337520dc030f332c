import { lookup } from 'node:dns/promises'
import type { Server } from 'node:http'
import { type AddressInfo, type Server as NetServer, createServer } from 'node:net'

/** The addresses a host name stands for, every family, in the resolver's order, without repeats. */
export type ResolveHost = (host: string) => Promise<string[]>

export const resolveHost: ResolveHost = async (host) => [
  ...new Set((await lookup(host, { all: true })).map((a) => a.address)),
]

/**
 * The addresses to bind for `host`: every address of `localhost` (127.0.0.1 and ::1 on most machines),
 * else `host` itself, which Node binds at its first address. Only `localhost`, as Fastify did: another
 * name's further addresses may be public ones its operator did not mean to open (a reviewer's find).
 */
export const addressesOf = (host: string, resolve: ResolveHost = resolveHost): Promise<string[]> =>
  host.toLowerCase() === 'localhost' ? resolve(host) : Promise.resolve([host])

/** Listeners that hand their connections to an HTTP server (`feedFrom`), by the server they feed. */
const feeders = new WeakMap<Server, NetServer[]>()

/**
 * Every socket that accepts connections for `server`: its own, then those `feedFrom` added.
 * Graceful close stops them together (`graceful-close.ts`): one left open kept accepting after
 * the others refused.
 */
export const listenersOf = (server: Server): NetServer[] => [server, ...(feeders.get(server) ?? [])]

/** What `feedFrom` tells: each address bound, and a listener's error after binding (it stays open). */
export interface FeedReport {
  bound(address: string, port: number): void
  error(e: Error): void
}

/** Errors of an address this machine has no way to bind (IPv6 off, say): skipped, as Fastify skipped them. */
const UNBINDABLE = new Set(['EADDRNOTAVAIL', 'EAFNOSUPPORT'])

/**
 * Listens on a host name's other addresses for `server`, which already listens on its first, at the
 * same port. Each address gets a bare TCP listener that hands its connections to `server`
 * (`'connection'`, as Node documents for injected connections), not a server of its own, so every
 * connection meets the one server Keyward set up: its turn budget (`turn-budget.ts`), client-error
 * answers (`client-errors.ts`), timeouts, and graceful close. Fastify binds `localhost`'s other
 * addresses with servers of its own, built at listen time, which had none of these. An address this
 * machine cannot bind is skipped; any other failure (the port taken there) throws, as it would for
 * the first address. Each listener is closed with `server`, at once if that closed while it bound.
 */
export async function feedFrom(server: Server, addresses: readonly string[], report: FeedReport): Promise<void> {
  const { port } = server.address() as AddressInfo
  for (const address of addresses) {
    const listener = await listenFeeding(server, address, port, report).catch((e: NodeJS.ErrnoException) => {
      if (UNBINDABLE.has(e.code ?? '')) return null
      throw e
    })
    if (!listener) continue
    if (!server.listening) {
      listener.close()
      return
    }
    feeders.set(server, [...(feeders.get(server) ?? []), listener])
    server.once('close', () => listener.listening && listener.close())
    report.bound(address, port)
  }
}

function listenFeeding(server: Server, host: string, port: number, report: FeedReport): Promise<NetServer> {
  // As node:http creates its own listener: half-open sockets (a client's FIN does not end the answers
  // still to come; the HTTP server decides) and no Nagle delay on small answers (a reviewer's find).
  const listener = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => server.emit('connection', socket))
  return new Promise((resolve, reject) => {
    listener.once('error', reject).listen({ host, port }, () => {
      listener.off('error', reject).on('error', (e) => report.error(e))
      resolve(listener)
    })
  })
}

/** Stops every listener of `server` and resolves once their connections have all closed. */
export function closeListeners(server: Server): Promise<void> {
  const closed = listenersOf(server)
    .filter((l) => l.listening)
    .map((l) => new Promise<void>((resolve) => l.close(() => resolve())))
  return Promise.all(closed).then(() => undefined)
}

/** An address as it goes in a URL (IPv6 in brackets). */
export const urlHost = (address: string): string => (address.includes(':') ? `[${address}]` : address)
