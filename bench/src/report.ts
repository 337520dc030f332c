/** Markdown for one run: the issue-11 targets first, then every figure it rests on. */
import { cpus, loadavg, totalmem } from 'node:os'
import type { LoopRow } from './inprocess.js'
import { keywardNodeFlags } from './child.js'
import type { TargetStats } from './protocol.js'
import { find, type HttpRun, type PairedRuns, type Results } from './results.js'

const fmt = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : 'n/a'
/** A margin in percent: whole percents, or one decimal under 1 % (a miss by 0.3 % read "missed by 0 %"). */
const pct = (x: number) => `${fmt(x * 100, Math.abs(x) < 0.01 ? 1 : 0)} %`

/** One issue-11 target: `measured` against `goal`, where `atLeast` says which side is good. */
interface Goal {
  what: string
  measured: number | undefined
  shown: string
  goal: number
  goalShown: string
  atLeast: boolean
}

function verdict(g: Goal): string {
  if (g.measured === undefined || !Number.isFinite(g.measured)) return 'not measured'
  const margin = g.atLeast ? g.measured / g.goal - 1 : 1 - g.measured / g.goal
  return margin >= 0 ? `**met** (${pct(margin)} to spare)` : `**missed** by ${pct(-margin)}`
}

function goals(res: Results): Goal[] {
  const bareU = find(res, 'bare', 'uniform')
  const bare = bareU?.r
  const kw = find(res, 'keyward', 'uniform')
  const session = find(res, 'keyward-session', 'uniform')?.r
  const ba = find(res, 'better-auth', 'uniform')?.r
  // In-process: the median of the per-round ratios (each round's baseline and verifier run back to back).
  const inProcessRatio = (loop: string) =>
    res.inProcess.find((r) => r.loop.startsWith(loop) && r.workload === 'uniform')?.ratio?.median
  const ratio = (a?: number, b?: number) => (a !== undefined && b ? a / b : undefined)
  const x = (v?: number, d = 2) => (v === undefined ? 'n/a' : `${fmt(v, d)}×`)
  const rps = ratio(kw?.r.rps, bare?.rps)
  const p99 = ratio(kw?.r.p99, bare?.p99)
  const inproc = inProcessRatio('`createVerifier')
  const inprocSync = inProcessRatio('`verifySync`')
  const sess = ratio(session?.rps, kw?.r.rps)
  const peer = ratio(kw?.r.rps, ba?.rps)
  // The median of the rounds' ratios: the two stores served side by side and loaded in turns (sections.ts).
  const big = res.scale?.pair.ratio.median
  const bigCold = res.scale?.uncached.ratio.median
  const rss = res.scale?.fill.rssMb
  return [
    {
      what: 'HTTP verify req/s vs bare node:http (uniform)',
      measured: rps,
      shown: x(rps),
      goal: 0.5,
      goalShown: '≥ 0.5×',
      atLeast: true,
    },
    {
      what: 'HTTP verify p99 vs bare (uniform; whole ms, closed loop at saturation)',
      measured: p99,
      shown: `${x(p99)} (${fmt(kw?.r.p99 ?? NaN)} vs ${fmt(bare?.p99 ?? NaN)} ms)`,
      goal: 2,
      goalShown: '≤ 2×',
      atLeast: false,
    },
    {
      what: 'in-process `createVerifier` vs sha256 + Map (uniform)',
      measured: inproc,
      shown: x(inproc),
      goal: 0.5,
      goalShown: '≥ 0.5×',
      atLeast: true,
    },
    {
      what: 'in-process `verifySync`, else `await verify`, vs sha256 + Map (uniform)',
      measured: inprocSync,
      shown: x(inprocSync),
      goal: 0.5,
      goalShown: '≥ 0.5×',
      atLeast: true,
    },
    {
      what: 'session-token caller vs API-key caller (uniform req/s)',
      measured: sess,
      shown: x(sess),
      goal: 0.8,
      goalShown: 'within 20 % (≥ 0.8×)',
      atLeast: true,
    },
    {
      what: 'Keyward vs better-auth (uniform req/s)',
      measured: peer,
      shown: x(peer, 1),
      goal: 10,
      goalShown: '≥ 10×',
      atLeast: true,
    },
    {
      what: 'server event-loop delay max under load (uniform)',
      measured: kw?.s.loopMaxMs,
      shown: `${fmt(kw?.s.loopMaxMs ?? NaN, 1)} ms (bare: ${fmt(bareU?.s.loopMaxMs ?? NaN, 1)} ms; less the main thread's waits for a CPU: ${fmt(kw?.s.loopHeldMaxMs ?? NaN, 1)} ms, bare ${fmt(bareU?.s.loopHeldMaxMs ?? NaN, 1)}; Keyward's longest GC pause ${kw ? gcShown(kw.s) : '—'})`,
      goal: 5,
      goalShown: '≤ 5 ms',
      atLeast: false,
    },
    {
      what: `${fmt(res.settings.bigStore)} keys vs ${fmt(res.settings.population)} (uniform req/s; median of rounds, in turns)`,
      measured: big,
      shown: x(big),
      goal: 0.9,
      goalShown: 'within 10 % (≥ 0.9×)',
      atLeast: true,
    },
    {
      what: `same, cache off (every verify reads the store: what store size can change)`,
      measured: bigCold,
      shown: x(bigCold),
      goal: 0.9,
      goalShown: 'within 10 % (≥ 0.9×)',
      atLeast: true,
    },
    {
      what: `server RSS, cache holding ${fmt(res.scale?.fill.cacheEntries ?? NaN)} entries`,
      measured: rss,
      shown: `${fmt(rss ?? NaN)} MB`,
      goal: 300,
      goalShown: '≤ 300 MB',
      atLeast: false,
    },
  ]
}

/** The window's longest main-thread GC pause and its kind, and the number of pauses. */
const gcShown = (s: HttpRun['s']) =>
  s.gcPauses > 0 ? `${fmt(s.gcMaxMs, 1)} (${s.gcMaxKind}), ${fmt(s.gcPauses)}` : '—'

function httpRow(h: HttpRun, bare?: HttpRun): string {
  const ratio = bare ? `${fmt(h.r.rps / bare.r.rps, 2)}×` : ''
  // No answer at all: autocannon's latencies are then empty, not zero.
  // autocannon's histogram truncates latencies to whole milliseconds: no decimals to show.
  const lat =
    h.r.rps > 0
      ? `${fmt(h.r.p50)} | ${fmt(h.r.p99)} | ${fmt(h.r.max)}`
      : `no answer (${fmt(h.r.unanswered)} sent, none answered before the run ended) | — | —`
  return `| ${h.target} | ${h.workload} | ${fmt(h.r.rps)} | ${ratio} | ${lat} | ${fmt(h.s.loopP99Ms, 1)} / ${fmt(h.s.loopMaxMs, 1)} / ${fmt(h.s.loopHeldMaxMs, 1)} | ${gcShown(h.s)} | ${fmt(h.s.serverCpu, 2)} | ${fmt(h.r.clientCpu, 2)} |`
}

const HTTP_HEAD = [
  '| target | workload | req/s | × bare (same workload) | p50 ms | p99 ms | max ms | server loop delay p99 / max / max less waits for a CPU, ms | longest GC pause ms (kind), pauses | server CPU (cores) | client CPU (cores) |',
  '|---|---|---|---|---|---|---|---|---|---|---|',
]

function httpTable(res: Results): string[] {
  return [
    ...HTTP_HEAD,
    ...res.http.map((h) => httpRow(h, h.target === 'bare' ? undefined : find(res, 'bare', h.workload))),
  ]
}

function inProcessTable(res: Results): string[] {
  const shown = (q: NonNullable<LoopRow['ratio']>) => `${fmt(q.median, 2)}× (rounds: ${fmt(q.min, 2)}–${fmt(q.max, 2)})`
  const ratio = (r: LoopRow) => (r.ratio ? shown(r.ratio) : '1.00×')
  const share = (r: LoopRow) => (r.syncShare !== undefined ? `; answered synchronously: ${pct(r.syncShare)}` : '')
  const awaited = (r: LoopRow) => (r.awaitedRatio ? shown(r.awaitedRatio) : '')
  return [
    '| loop | workload | ops/s (median of rounds) | × sha256 + Map (median of per-round ratios; the target) | × the awaited baseline (diagnostic, not the target) |',
    '|---|---|---|---|---|',
    ...res.inProcess.map(
      (r) => `| ${r.loop} | ${r.workload} | ${fmt(r.opsPerS)} | ${ratio(r)}${share(r)} | ${awaited(r)} |`,
    ),
  ]
}

function floodLines(res: Results): string[] {
  if (!res.flood) return ['Flood on PostgreSQL: not run (see notes).']
  const { run, delta } = res.flood
  const per = (n: number) => fmt(n / run.r.requests, 3)
  return [
    `Flood of ${fmt(run.r.requests)} well-formed unknown keys against Keyward on PostgreSQL: ${fmt(run.r.rps)} req/s, p99 ${fmt(run.r.p99, 2)} ms, max ${fmt(run.r.max, 1)} ms.`,
    `Database cost (deltas of \`pg_stat_database.xact_commit\` and \`pg_stat_user_tables\` for \`api_key\`, read after the target closed its connections): ` +
      `${fmt(delta.xactCommit)} committed transactions (${per(delta.xactCommit)} per request); ${fmt(delta.hashIndexScans)} scans of \`api_key\`'s hash indexes ` +
      `(${per(delta.hashIndexScans)} per request), ${fmt(delta.keyScans)} scans of \`api_key\` in all, ${fmt(delta.keyTuples)} tuples read.`,
  ]
}

function scaleLines(res: Results): string[] {
  const s = res.scale
  if (!s) return ['Big store: not run (see notes).']
  const head = [
    ...HTTP_HEAD,
    httpRow(s.pair.small),
    httpRow(s.pair.big, find(res, 'bare', 'uniform')),
    ...(s.wide ? [httpRow(s.wide)] : []),
    httpRow(s.uncached.small),
    httpRow(s.uncached.big),
  ]
  return [
    `${fmt(res.settings.bigStore)} keys bulk-loaded in ${fmt(s.seedS, 1)} s.`,
    '',
    ...head,
    '',
    "The two stores are served side by side and loaded in turns, the order alternating; each row is its side's median round, and each target ratio the median of the rounds' ratios.",
    `Rounds, req/s ${fmt(res.settings.population)} keys / ${fmt(res.settings.bigStore)} keys: cached ${rounds(s.pair)}; cache off ${rounds(s.uncached)}.`,
    '',
    `After ${fmt(s.filled)} requests, every key of the cache-sized set twice (the second use prepares its answer): cache ${fmt(s.fill.cacheEntries ?? NaN)} entries, server RSS ${fmt(s.fill.rssMb)} MB (\`process.memoryUsage().rss\` inside the server process; the target's reading; ${memory(s.fill)}).`,
    // The same server after the run over the filled cache: the fill's garbage collected or not, a second
    // reading shows how much of the first was the heap's state at that moment (not a target figure).
    ...(s.wide
      ? [
          '',
          `After the run over those keys (${s.wide.workload}): cache ${fmt(s.wide.s.cacheEntries ?? NaN)} entries, server RSS ${fmt(s.wide.s.rssMb)} MB (${memory(s.wide.s)}).`,
        ]
      : []),
  ]
}

/** A pair's rounds and the range of their ratios. */
const rounds = (p: PairedRuns) =>
  `${p.rounds.map((r) => `${fmt(r.small)} / ${fmt(r.big)}`).join(', ')} (ratios ${fmt(p.ratio.min, 2)}–${fmt(p.ratio.max, 2)}×)`

/** Where an RSS reading is: V8's heap used of committed, and buffers outside it. */
function memory(s: TargetStats): string {
  return `heap ${fmt(s.heapUsedMb)} of ${fmt(s.heapTotalMb)} MB committed, external ${fmt(s.externalMb)} MB`
}

function adversarialLines(res: Results): string[] {
  const a = res.adversarial
  if (!a) return ['Issue 17: not run (see notes).']
  return [
    `SQLite; the member owns ${fmt(a.memberKeys)} keys; one client loops the suite (timeout ${fmt(res.settings.adversaryTimeoutMs / 1000, 1)} s per request) while the verify load runs.`,
    '',
    ...HTTP_HEAD,
    httpRow(a.quiet),
    httpRow(a.attacked),
    '',
    `Verifications sent but unanswered when the run ended: quiet ${fmt(a.quiet.r.unanswered)}, with the adversarial client ${fmt(a.attacked.r.unanswered)} ` +
      '(client latencies cover answered requests only; the server loop delay shows how long it was blocked).',
    '',
    '| adversarial request | sent | timed out (client) | statuses | p50 ms | max ms |',
    '|---|---|---|---|---|---|',
    ...a.adversary.map(
      (x) =>
        `| ${x.name} | ${x.sent} | ${x.timeouts} | ${
          Object.entries(x.statuses)
            .map(([k, v]) => `${k}×${v}`)
            .join(' ') || '—'
        } | ${fmt(x.p50Ms)} | ${fmt(x.maxMs)} |`,
    ),
  ]
}

function conditions(res: Results, totalS: number): string[] {
  const s = res.settings
  const ceiling = res.clientCeiling
  return [
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${fmt(totalmem() / 2 ** 30)} GB, Node ${process.version}; load average before ${res.loadBefore.map((l) => fmt(l, 2)).join(' ')}, after ${loadavg()
      .map((l) => fmt(l, 2))
      .join(' ')}.`,
    `Command: \`npm run bench${res.quick ? ' -- --quick' : ''}\`, ${fmt(totalS)} s. Population ${fmt(s.population)} keys per target; flood ${fmt(s.floodKeys)} distinct unknown keys; ${s.connections} connections, ${s.httpS} s per run (single key ${s.singleS} s) after a ${s.warmS} s uniform warm-up per caller.`,
    `Node flags of Keyward's targets (its bin's, as \`npm start\` runs it): ${keywardNodeFlags().join(' ') || 'none'}; the other targets run on node's defaults.`,
    `Zipf s=${s.zipfS}: the hottest 1 % of keys take ${pct(res.zipfHotShare)} of the requests.`,
    ceiling
      ? `Client ceiling: the bare server with one fixed body and no per-request setup gave ${fmt(ceiling.rps)} req/s at ${fmt(ceiling.clientCpu, 2)} cores of client CPU.`
      : 'Client ceiling: not measured.',
    `Seeding (s): ${Object.entries(res.seeds)
      .map(([k, v]) => `${k} ${fmt(v, 1)}`)
      .join(', ')}.`,
  ]
}

/** The run as a Markdown section (level-2 heading, dated). */
export function markdown(res: Results, totalS: number): string {
  const title = `## ${res.startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC — ${res.quick ? 'quick (smoke) run' : 'full run'}, ${fmt(res.settings.population)} keys uniform / Zipf / flood`
  return [
    title,
    '',
    ...conditions(res, totalS),
    '',
    '### Issue 11 targets',
    '',
    '| target | measured | goal | verdict |',
    '|---|---|---|---|',
    ...goals(res).map((g) => `| ${g.what} | ${g.shown} | ${g.goalShown} | ${verdict(g)} |`),
    '',
    '### HTTP verify',
    '',
    ...httpTable(res),
    '',
    ...floodLines(res),
    '',
    '### In-process',
    '',
    ...inProcessTable(res),
    '',
    `### Store of ${fmt(res.settings.bigStore)} keys`,
    '',
    ...scaleLines(res),
    '',
    '### Issue 17: verify while a member sends expensive listings',
    '',
    ...adversarialLines(res),
    '',
    ...(res.notes.length ? ['### Notes', '', ...res.notes.map((n) => `- ${n}`), ''] : []),
  ].join('\n')
}
