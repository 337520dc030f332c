import type { Kysely } from 'kysely'
import { readKeyChanges } from '../../store/key-changes.js'
import { readOutsideWrites } from '../../store/outside-writes.js'
import type { Database } from '../../store/schema.js'

/**
 * How often an embedded verifier on SQLite reads the key-change counter. The bound it gives:
 * a key write committed by the server is seen by the next poll, at most this long later (plus
 * whatever holds the embedding process's event loop), and evicts before any later verification.
 */
export const KEY_CHANGE_POLL_MS = 250

/** A running watch; `stop` ends it (idempotent). */
export interface KeyChangeWatch {
  stop(): void
}

/**
 * Polls the SQLite key-change counter (`store/key-changes.ts`) and calls `onChange` when it
 * moved: another process (the server) committed a key write. Invariant, enforced here with
 * the counter's: a cache cleared by `onChange` after the poll that saw the write holds no entry
 * read before that write committed (the cache's epoch refuses lookups that were in flight).
 * The poll is one header read every `intervalMs`, off the verification path; a failed read is
 * reported and clears too (the writes it may have missed are unknown), then polling goes on.
 */
export function watchKeyChanges(
  db: Kysely<Database>,
  onChange: () => void,
  onError: (e: unknown) => void,
  intervalMs = KEY_CHANGE_POLL_MS,
): Promise<KeyChangeWatch> {
  return watchCounter(() => readKeyChanges(db), onChange, onError, intervalMs)
}

/**
 * How often a SQLite server reads the outside-write counter (`store/outside-writes.ts`): an operator's tool is
 * seen by the server this long after its write at most. One indexed read a second, off the verification path.
 */
export const OUTSIDE_WRITE_POLL_MS = 1_000

/** A SQLite server's watch of the writes made beside it (`store/outside-writes.ts`), with the same invariant. */
export function watchOutsideWrites(
  db: Kysely<Database>,
  onChange: () => void,
  onError: (e: unknown) => void,
  intervalMs = OUTSIDE_WRITE_POLL_MS,
): Promise<KeyChangeWatch> {
  return watchCounter(() => readOutsideWrites(db), onChange, onError, intervalMs)
}

async function watchCounter(
  read: () => Promise<number>,
  onChange: () => void,
  onError: (e: unknown) => void,
  intervalMs: number,
): Promise<KeyChangeWatch> {
  let seen: number | null = await read()
  const poll = async () => {
    try {
      const now = await read()
      if (now !== seen) onChange()
      seen = now
    } catch (e) {
      seen = null
      onChange()
      onError(e)
    }
  }
  let running = false
  const timer = setInterval(() => {
    if (running) return
    running = true
    void poll().finally(() => (running = false))
  }, intervalMs)
  timer.unref() // an embedding process exits when its own work is done
  return { stop: () => clearInterval(timer) }
}
