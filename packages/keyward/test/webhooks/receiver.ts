import { type IncomingHttpHeaders, type Server, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

/** One request a receiver got. */
export interface Received {
  headers: IncomingHttpHeaders
  body: string
}

export type Behaviour = 'ok' | 'hang' | 'redirect' | { failFirst: number } | { hangFirst: number } | { delayMs: number }

/** A real HTTP webhook receiver on loopback that records what it gets and answers per `behaviour`. */
export class Receiver {
  readonly received: Received[] = []
  /** When set, every request from now on is answered with this status (a receiver that starts failing). */
  answer: number | null = null
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(behaviour: Behaviour): Promise<Receiver> {
    let r: Receiver | null = null
    const server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        r!.received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') })
        if (r!.answer !== null) return res.writeHead(r!.answer).end()
        if (behaviour === 'hang') return // never answers
        if (behaviour === 'redirect') return res.writeHead(307, { location: `${r!.url}/elsewhere` }).end()
        if (typeof behaviour === 'object' && 'hangFirst' in behaviour && r!.received.length <= behaviour.hangFirst)
          return
        if (typeof behaviour === 'object' && 'delayMs' in behaviour) {
          setTimeout(() => res.writeHead(204).end(), behaviour.delayMs)
          return
        }
        const failing =
          typeof behaviour === 'object' && 'failFirst' in behaviour && r!.received.length <= behaviour.failFirst
        res.writeHead(failing ? 503 : 204).end()
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    r = new Receiver(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`)
    return r
  }

  /** Bodies received, parsed. */
  events(): { type: string; timestamp: string; data: Record<string, unknown> }[] {
    return this.received.map(
      (x) => JSON.parse(x.body) as { type: string; timestamp: string; data: Record<string, unknown> },
    )
  }

  close(): Promise<void> {
    this.server.closeAllConnections()
    return new Promise((resolve) => this.server.close(() => resolve()))
  }
}

/** Polls `check` until it returns true (or throws after `ms`). */
export async function until(check: () => boolean | Promise<boolean>, ms = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}
