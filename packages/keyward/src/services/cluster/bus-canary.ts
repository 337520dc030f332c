import { randomBytes } from 'node:crypto'
import { giveUpAfter } from './give-up.js'

/** A canary's one "hash": `c:`, the sending node's id, a nonce. No key hash or credential tag starts so. */
const CANARY = 'c:'

/**
 * How long a canary heard on the bus is remembered, to match it with the database's copy read
 * later: a server's write may lag its publish by a pool wait and a statement budget.
 */
const REMEMBER_MS = 30_000

/**
 * How long an unheard node must be absent from the records before it is forgotten: a node whose
 * canary writes hang (a half-open pooled connection) may still be writing keys, and forgetting it
 * 30 s later would end the others' deafness while they still miss its revocations.
 */
const FORGET_UNHEARD_MS = 300_000

/**
 * How long a read of the records may take before it is given up (it then judges nothing). A read
 * on a half-open pooled connection never settles (PostgreSQL's `statement_timeout` is the
 * server's, and the server never got it), and reads go one at a time: unbounded, one such read
 * stopped this node's judging for good. Twice the longest statement budget plus its pool wait.
 */
export const CANARY_READ_GIVE_UP_MS = 10_000

/** Where each server records the last canary it sent (`cluster_setting` rows: `store/cluster-settings.ts`). */
export interface CanaryRecord {
  /** The servers' last canaries, of those that recorded one lately. */
  read(): Promise<string[]>
  /** Absent for a process that only listens (an embedded verifier). */
  write?(node: string, canary: string): Promise<void>
}

/**
 * Invariant 3 of `HeardBus` (heard-bus.ts): a node hears the other nodes, not just itself. Its
 * own heartbeat proves its link to *a* bus, not to theirs: a verifier given another Redis
 * server, or two servers split by a Redis failover that left the old primary up, each heard
 * itself, reported the bus up, and answered VALID for keys revoked on the other side with no
 * end (an attacker's finds). So each server, every other heartbeat, publishes a
 * canary on the bus and, once the publish is acknowledged, records it in the database, which
 * every node shares by construction. Every node reads the records as often; a node whose canary,
 * read there, is not heard on the bus within `graceMs` is unheard, and while any node is, this
 * node is deaf (`missing`); it is heard again when one of its canaries is, or forgotten five
 * minutes after it stopped recording. A node alone hears only itself and judges none; a node
 * whose loop was held skips judging (its bus reads may be queued).
 */
export class BusCanary {
  private readonly tag = `${CANARY}${randomBytes(6).toString('hex')}:`
  /** The canaries the last read found; the first read is not judged (they may be older than this node). */
  private seen: Set<string> | null = null
  /** Other nodes' canaries read in the records and not yet heard: when first read. */
  private readonly pending = new Map<string, number>()
  /** Canaries heard on the bus: when. */
  private readonly heard = new Map<string, number>()
  private sending = false
  /** Nodes (tags) whose last canary went unheard: since when they are absent from the records, if they are. */
  private readonly unheard = new Map<string, number | null>()

  constructor(
    private readonly record: CanaryRecord,
    private readonly graceMs: number,
    private readonly now: () => number,
  ) {}

  static is(message: string): boolean {
    return message.startsWith(CANARY)
  }

  /** Some other node is not heard on this node's bus. */
  get missing(): boolean {
    return this.unheard.size > 0
  }

  /** One canary of a node heard clears it, and its older ones still pending (one lost message is no split). */
  heardOnBus(canary: string): void {
    this.heard.set(canary, this.now())
    const node = nodeOf(canary)
    for (const c of this.pending.keys()) if (nodeOf(c) === node) this.pending.delete(c)
    this.unheard.delete(node)
  }

  /**
   * Publishes this node's canary (servers), reads the records, judges what went unheard unless
   * `judge` is false. Sending is not awaited, and one send at a time: a send that hangs (its write on a half-open
   * pooled connection) must not stop this node from reading the others' canaries and judging
   * them (a reviewer's find: the check stopped for good); a read is given up after
   * `CANARY_READ_GIVE_UP_MS` for the same reason. A read or send that fails judges
   * nothing: with the database unreachable, the node keeps serving from its cache, as without
   * canaries (no key can be revoked meanwhile, and its own heartbeat still proves its bus).
   */
  async tick(publish: (canary: string) => Promise<void>, judge: boolean): Promise<void> {
    const now = this.now()
    if (judge) this.judge(now)
    for (const [c, at] of this.heard) if (now - at > REMEMBER_MS) this.heard.delete(c)
    const record = this.record
    if (record.write && !this.sending) {
      this.sending = true
      void this.send(publish, (node, c) => record.write!(node, c)).finally(() => (this.sending = false))
    }
    this.read(
      await giveUpAfter(CANARY_READ_GIVE_UP_MS, this.record.read(), () => new Error('canary read given up')),
      this.now(),
    )
  }

  private async send(
    publish: (canary: string) => Promise<void>,
    write: (node: string, canary: string) => Promise<void>,
  ): Promise<void> {
    const mine = this.tag + randomBytes(6).toString('hex')
    try {
      await publish(mine)
      await write(this.tag, mine)
    } catch {
      // Unsent or unrecorded: the others judge nothing of it; the next tick sends again.
    }
  }

  private read(values: string[], now: number): void {
    const before = this.seen
    this.seen = new Set(values)
    this.forgetAbsent(new Set(values.map(nodeOf)), now)
    if (!before) return
    for (const v of values) {
      if (before.has(v) || v.startsWith(this.tag)) continue
      if (this.heard.has(v)) this.unheard.delete(nodeOf(v))
      else this.pending.set(v, now)
    }
  }

  private judge(now: number): void {
    for (const [c, at] of this.pending) {
      if (now - at <= this.graceMs) continue
      this.pending.delete(c)
      this.unheard.set(nodeOf(c), null)
    }
  }

  /** Unheard nodes absent from the records for `FORGET_UNHEARD_MS` are forgotten (stopped, or long gone). */
  private forgetAbsent(recording: Set<string>, now: number): void {
    for (const [n, since] of this.unheard) {
      if (recording.has(n)) this.unheard.set(n, null)
      else if (since === null) this.unheard.set(n, now)
      else if (now - since > FORGET_UNHEARD_MS) this.unheard.delete(n)
    }
  }
}

/** `c:<node>:` of a canary `c:<node>:<nonce>`. */
const nodeOf = (canary: string) => canary.slice(0, canary.indexOf(':', CANARY.length) + 1)
