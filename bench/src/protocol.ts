/** What the bench and its target processes tell each other (see targets.ts). */

/** Which server to start, and what to load into its store. */
export interface TargetSpec {
  kind: 'bare' | 'keyward' | 'better-auth'
  /** The target's files: a fresh directory, or the one a `seedOnly` start filled. */
  dir: string
  /** Keyward only: seed the store, close, and report ready without listening (see sections.ts bigStore). */
  seedOnly?: boolean
  /** The population: one plaintext key a line. */
  keysFile: string
  /** Keyward only: the store (`sqlite:` in `dir` when omitted). */
  databaseUrl?: string
  /** Keyward only: rows without a plaintext added to reach this store size. */
  storeSize?: number
  /** Keyward only: a member owning this many keys (the adversarial suite's caller). */
  memberKeys?: number
  /** Keyward only: extra settings (`KEYWARD_CACHE_SIZE: '0'` for the uncached store-size comparison). */
  env?: Record<string, string>
  /** Keyward only: node flags after its bin's (the later wins), for `flags-ab.ts`; the bench's sections set none. */
  nodeFlags?: string[]
}

/** Where and how to call a started target. */
export interface Ready {
  port: number
  path: string
  /** Authorization of an API-key caller (Keyward) or none (peers). */
  headers: Record<string, string>
  /** Keyward only: authorization of a session-token caller. */
  sessionHeaders?: Record<string, string>
  /** Keyward only: the member's session token, when `memberKeys` was set. */
  memberToken?: string
  /** Seconds spent bulk-loading the store. */
  seedS: number
}

/** A measurement window, as seen from inside the target process. */
export interface TargetStats {
  loopMaxMs: number
  /** The same maximum less the time the main thread waited for a CPU (`loop-held.ts`): the server's own holds. */
  loopHeldMaxMs: number
  loopP99Ms: number
  loopMeanMs: number
  /**
   * The longest garbage-collection pause on the main thread in the window (ms; a `gc` performance
   * entry's duration), its kind, and how many pauses there were: what a loop-delay maximum can be
   * set by besides request work. Wall time, so a pause includes any wait for a core during it;
   * incremental marking steps and concurrent GC work are not counted.
   */
  gcMaxMs: number
  gcMaxKind: string
  gcPauses: number
  /** The target process's CPU time / wall time over the window, in cores (≈1.0: the server set the pace). */
  serverCpu: number
  /** Peak RSS of the process so far (\`process.resourceUsage().maxRSS\`). */
  maxRssMb: number
  rssMb: number
  /**
   * Where the RSS is, at the same moment (\`process.memoryUsage()\`): V8's heap in use and committed
   * (committed minus used is garbage not yet collected or space not yet given back), and memory
   * outside the heap that V8 knows of (buffers). The rest of the RSS is code, stacks, native
   * libraries' allocations (SQLite's) and other threads' heaps (the usage writer's worker).
   */
  heapUsedMb: number
  heapTotalMb: number
  externalMb: number
  cacheEntries: number | null
}

/** A started target inside its process. */
export interface Started {
  ready: Ready
  cacheEntries?: () => number
  close(): Promise<void>
}
