import net from 'node:net'

/**
 * A TCP proxy between one node and Redis or PostgreSQL: `blip` drops every connection and
 * refuses new ones for a while (a network blip); `freeze` stops passing bytes both ways while
 * every socket stays open (a half-open link, a NAT or load balancer that dropped it silently);
 * `silenceNext` does that to one connection only.
 */
export class TcpProxy {
  private down = false
  private frozen = false
  private silencer: ((chunk: string) => boolean) | null = null
  private readonly socks = new Set<net.Socket>()
  private server!: net.Server
  port = 0

  async start(target: URL): Promise<void> {
    this.server = net.createServer((c) => this.pipe(c, target))
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r))
    this.port = (this.server.address() as net.AddressInfo).port
  }

  /** `url` with its host replaced by this proxy's. */
  via(url: string): string {
    const u = new URL(url)
    u.host = `127.0.0.1:${this.port}`
    return u.toString()
  }

  /** The next connection whose client sends a chunk `match` accepts goes silent; the others pass. */
  silenceNext(match: (chunk: string) => boolean): void {
    this.silencer = match
  }

  freeze(on: boolean): void {
    this.frozen = on
  }

  blip(ms: number): void {
    this.down = true
    for (const s of this.socks) s.destroy()
    this.socks.clear()
    setTimeout(() => (this.down = false), ms).unref()
  }

  close(): void {
    for (const s of this.socks) s.destroy()
    this.server.close()
  }

  private pipe(c: net.Socket, target: URL): void {
    if (this.down) return void c.destroy()
    const u = net.connect(Number(target.port || 6379), target.hostname)
    this.socks.add(c).add(u)
    const drop = () => {
      c.destroy()
      u.destroy()
      this.socks.delete(c)
      this.socks.delete(u)
    }
    c.on('error', drop).on('close', drop)
    u.on('error', drop).on('close', drop)
    let silent = false
    c.on('data', (d: Buffer) => {
      if (this.silencer?.(d.toString('latin1'))) [silent, this.silencer] = [true, null]
      if (!this.frozen && !silent) u.write(d)
    })
    u.on('data', (d: Buffer) => void (this.frozen || silent || c.write(d)))
  }
}
