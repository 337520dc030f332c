import type { Redis } from 'ioredis'
import { type LimitCheck, type LimitCounters, type LimitOutcome, decide } from './limit-counters.js'

/**
 * Reads every counter, and charges all of them only when each has room: one script, which
 * Redis runs atomically, so no other node's check interleaves (no partial consumption).
 * ARGV per counter: limit, window in ms, cost. Returns allowed (1/0) then, per counter, the
 * value used before this call and its remaining time in ms (a new window: the full window).
 */
const SCRIPT = `
local n = #KEYS
local used, ttl, ok = {}, {}, 1
for i = 1, n do
  local limit, window, cost = tonumber(ARGV[3*i-2]), tonumber(ARGV[3*i-1]), tonumber(ARGV[3*i])
  local t = redis.call('PTTL', KEYS[i])
  if t < 0 then used[i] = 0; ttl[i] = window else used[i] = tonumber(redis.call('GET', KEYS[i]) or '0'); ttl[i] = t end
  if used[i] + cost > limit then ok = 0 end
end
if ok == 1 then
  for i = 1, n do
    local cost = tonumber(ARGV[3*i])
    if used[i] == 0 then redis.call('SET', KEYS[i], cost, 'PX', ttl[i]) else redis.call('INCRBY', KEYS[i], cost) end
  end
end
local out = {ok}
for i = 1, n do out[#out+1] = used[i]; out[#out+1] = ttl[i] end
return out
`

/** Named-limit counters shared by every node through Redis (one script call per verification). */
export class RedisLimitCounters implements LimitCounters {
  constructor(
    private readonly client: Redis,
    private readonly prefix: string,
  ) {}

  async consumeAll(checks: readonly LimitCheck[]): Promise<LimitOutcome> {
    const keys = checks.map((c) => redisCounterKey(this.prefix, c))
    const args = checks.flatMap((c) => [c.limit, c.windowS * 1000, c.cost])
    const now = Date.now()
    const out = (await this.client.eval(SCRIPT, keys.length, ...keys, ...args)) as number[]
    const windows = checks.map((_, i) => ({ used: out[1 + 2 * i]!, resetAt: now + out[2 + 2 * i]! }))
    // The script decided; `decide` on what it read gives the same answer and the states to report.
    const r = decide(checks, windows)
    return { allowed: out[0] === 1, states: r.states }
  }
}

/**
 * A counter's Redis key. `{group}` is a hash tag: Redis Cluster hashes only the text between the
 * first braces, so every key of one script call lands in one slot (a script's keys must). The
 * text before it (the prefix and `kwl:`) is the same for all of them, so a prefix that holds a
 * tag of its own only moves them all to its slot together.
 */
export function redisCounterKey(prefix: string, c: Pick<LimitCheck, 'group' | 'counter'>): string {
  return `${prefix}kwl:{${c.group}}:${c.counter}`
}
