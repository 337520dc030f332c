import { lookup } from 'node:dns/promises'
import type { Server } from 'node:http'
import { type AddressInfo, type Server as NetServer, createServer, isIP } from 'node:net'

/** The addresses a host name stands for, every family, in the resolver's order, without repeats. */
export type ResolveHost = (host: string) => Promise<string[]>

export const resolveHost: ResolveHost = async (host) => [
  ...new Set((await lookup(host, { all: true })).map((a) => a.address)),
]

/** The addresses to bind for `host`: itself when it is an address, else every address it resolves to. */
export const addressesOf = (host: string, resolve: ResolveHost = resolveHost): Promise<string[]> =>
  isIP(host) ? Promise.resolve([host]) : resolve(host)

/** Listeners that hand their connections to an HTTP server (`feedFrom`), by the server they feed. */
const feeders = new WeakMap<Server, NetServer[]>()

/**
 * Every socket that accepts connections for `server`: its own, then those `feedFrom` added.
 * Graceful close stops them together (`graceful-close.ts`): one left open kept accepting after
 * the others refused.
 */
export const listenersOf = (server: Server): NetServer[] => [server, ...(feeders.get(server) ?? [])]

/**
 * Listens on a host name's other addresses (`localhost` is 127.0.0.1 and ::1 on most machines)
 * for `server`, which already listens on its first, at the same port. Each address gets a bare TCP
 * listener that hands its connections to `server` (`'connection'`, as Node documents for injected
 * connections), not a server of its own, so every connection meets the one server Keyward set up:
 * its turn budget (`turn-budget.ts`), client-error answers (`client-errors.ts`), timeouts, and
 * graceful close. Fastify binds `localhost`'s other addresses with servers of its own, built at
 * listen time, which had none of these. An address this machine cannot bind (IPv6 off) is
 * skipped, as Fastify skipped it; `onBound` hears each address bound. Closed with `server`.
 */
export async function feedFrom(server: Server, addresses: readonly string[], report: FeedReport): Promise<void> {
  const { port } = server.address() as AddressInfo
  const bound: NetServer[] = []
  for (const address of addresses) {
    const listener = await listenFeeding(server, address, port, report).catch(() => null)
    if (!listener) continue
    bound.push(listener)
    report.bound(address, port)
  }
  feeders.set(server, [...(feeders.get(server) ?? []), ...bound])
  server.once('close', () => bound.forEach((l) => l.listening && l.close()))
}

/** What `feedFrom` tells: each address bound, and a listener's error after binding (it stays open). */
export interface FeedReport {
  bound(address: string, port: number): void
  error(e: Error): void
}

function listenFeeding(server: Server, host: string, port: number, report: FeedReport): Promise<NetServer> {
  // noDelay as node:http sets it on the sockets it accepts: Nagle's algorithm held small answers back.
  const listener = createServer({ noDelay: true }, (socket) => server.emit('connection', socket))
  return new Promise((resolve, reject) => {
    listener.once('error', reject).listen({ host, port }, () => {
      listener.off('error', reject).on('error', (e) => report.error(e))
      resolve(listener)
    })
  })
}

/** An address as it goes in a URL (IPv6 in brackets). */
export const urlHost = (address: string): string => (isIP(address) === 6 ? `[${address}]` : address)

/** Stops every listener of `server` and resolves once their connections have all closed. */
export function closeListeners(server: Server): Promise<void> {
  const closed = listenersOf(server)
    .filter((l) => l.listening)
    .map((l) => new Promise<void>((resolve) => l.close(() => resolve())))
  return Promise.all(closed).then(() => undefined)
}
