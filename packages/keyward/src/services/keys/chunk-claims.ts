import { randomUUID } from 'node:crypto'
import type { UsageClaim } from '../../store/usage-repository.js'

/**
 * The claim tokens of one writer's usage-counter chunks (`UsageClaim`): what makes a chunk whose
 * reply was lost after it committed count once when it is written again.
 *
 * A chunk keeps its token until it is known written, and is retried under it. That needs the
 * retry to carry exactly the rows of the failed attempt (the token stands for them):
 * `writeInChunks` stops at the first failing chunk and leaves it, and what follows, in its
 * detached batch, which nothing adds to; the recorder writes that batch again before any other;
 * on PostgreSQL chunks are a fixed 500 rows, and ids are taken in ascending order. So the next
 * attempt on the same batch starts with the same ids; `write` checks both batch and ids, and a
 * chunk that is not the failed one gets a new token.
 */
export class ChunkClaims {
  private open: { batch: object; ids: readonly number[]; token: string } | null = null
  /** The last token known committed: the next chunk's statement deletes it. */
  private settled: string | null = null

  /** Runs `write` with the claim for the chunk `ids` of `batch`; the claim is settled once `write` resolves. */
  async write(batch: object, ids: readonly number[], write: (claim: UsageClaim) => Promise<void>): Promise<void> {
    if (!this.isOpen(batch, ids)) this.open = { batch, ids, token: randomUUID() }
    const { token } = this.open!
    await write({ token, settled: this.settled })
    this.settled = token
    this.open = null
  }

  /** The tokens this writer still has in `usage_claim`: its last settled one, and a failed chunk's. */
  held(): string[] {
    return [this.settled, this.open?.token ?? null].filter((t) => t !== null)
  }

  private isOpen(batch: object, ids: readonly number[]): boolean {
    const open = this.open
    if (open === null || open.batch !== batch || open.ids.length !== ids.length) return false
    return open.ids.every((id, i) => id === ids[i])
  }
}
