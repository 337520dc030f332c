import { randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto'

/** r and p as OWASP advises with N=2^17 (N is configured: `Config.passwordScryptN`). */
const R = 8
const P = 1
const KEYLEN = 32
/** The largest N a stored hash may name: a tampered row cannot make a login allocate gigabytes. */
const MAX_N = 1 << 20
/**
 * Hashes running at once. Each holds 128·N·r bytes (128 MiB at the default) on a libuv thread;
 * more in parallel would only queue on the thread pool while holding memory. Logins wait here.
 */
const MAX_CONCURRENT = 2

/** A stored hash: `scrypt$N$r$p$salt$hash` (base64), parameters kept so they can be raised later. */
interface ParsedHash {
  n: number
  r: number
  p: number
  salt: Buffer
  hash: Buffer
}

function parse(stored: string): ParsedHash | null {
  const [alg, n, r, p, salt, hash] = stored.split('$')
  if (alg !== 'scrypt' || !salt || !hash) return null
  const [N, rr, pp] = [Number(n), Number(r), Number(p)]
  if (
    !Number.isInteger(N) ||
    N < 2 ||
    N > MAX_N ||
    !Number.isInteger(rr) ||
    rr < 1 ||
    rr > 32 ||
    !Number.isInteger(pp) ||
    pp < 1 ||
    pp > 16
  )
    return null
  return { n: N, r: rr, p: pp, salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64') }
}

/** Password hashing with scrypt at a configured cost; verification reads the cost from the stored hash. */
export class PasswordHasher {
  private running = 0
  private readonly waiting: (() => void)[] = []
  private dummy: Promise<string> | null = null

  /** `n`: scrypt's cost parameter N, a power of two (config `KEYWARD_PASSWORD_SCRYPT_N`). */
  constructor(readonly n: number) {}

  async hash(password: string): Promise<string> {
    const salt = randomBytes(16)
    const key = await this.scrypt(password, salt, this.n, R, P)
    return `scrypt$${this.n}$${R}$${P}$${salt.toString('base64')}$${key.toString('base64')}`
  }

  async verify(password: string, stored: string): Promise<boolean> {
    const h = parse(stored)
    if (!h) return false
    const actual = await this.scrypt(password, h.salt, h.n, h.r, h.p)
    return actual.length === h.hash.length && timingSafeEqual(actual, h.hash)
  }

  /** True when a stored hash was made with other parameters than today's: rehash it at the next successful login. */
  needsRehash(stored: string): boolean {
    const h = parse(stored)
    return !h || h.n !== this.n || h.r !== R || h.p !== P
  }

  /** A hash of a random password, checked against when the login name is unknown, so timing does not reveal accounts. */
  dummyHash(): Promise<string> {
    this.dummy ??= this.hash(randomBytes(16).toString('hex'))
    return this.dummy
  }

  private async scrypt(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
    await this.acquire()
    try {
      return await new Promise((resolve, reject) => {
        // maxmem: scrypt needs 128·N·r bytes; Node's default (32 MiB) is below N=2^17.
        scryptCb(password, salt, KEYLEN, { N: n, r, p, maxmem: 256 * n * r }, (err, key) =>
          err ? reject(err) : resolve(key),
        )
      })
    } finally {
      this.release()
    }
  }

  private async acquire(): Promise<void> {
    if (this.running < MAX_CONCURRENT) {
      this.running++
      return
    }
    await new Promise<void>((go) => this.waiting.push(go)) // the releasing hash hands its slot over
  }

  private release(): void {
    const next = this.waiting.shift()
    if (next) next()
    else this.running--
  }
}
