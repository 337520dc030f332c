import { openSync, readSync } from 'node:fs'

/**
 * Nanoseconds this thread has waited on a run queue for a CPU so far (Linux `schedstat`, second
 * field: accounted at each context switch with the scheduler's clock, so exact to the switch,
 * unlike the first field, which moves in scheduler ticks of up to 4 ms). Null where absent.
 * Used by `usage/flush-blocking.test.ts` and the bench's `loop-held.ts`.
 */
export function runDelayReader(): (() => number) | null {
  let fd: number
  try {
    fd = openSync('/proc/thread-self/schedstat', 'r')
  } catch {
    return null
  }
  const buf = Buffer.alloc(128)
  return () => Number(buf.toString('latin1', 0, readSync(fd, buf, 0, buf.length, 0)).split(' ')[1])
}
