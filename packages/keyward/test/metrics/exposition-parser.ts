/** One sample line of the text exposition format: `name{label="value",…} value`. */
export interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

/** Metric families by name: the `# TYPE` given, and every sample whose name starts with it. */
export type Families = Map<string, { type: string; samples: Sample[] }>

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/y

/** Label pairs of a `{…}` body; throws on anything that is not one. */
function parseLabels(body: string): Record<string, string> {
  const out: Record<string, string> = {}
  LABEL.lastIndex = 0
  while (LABEL.lastIndex < body.length) {
    const m = LABEL.exec(body)
    if (!m) throw new Error(`bad labels: {${body}}`)
    out[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c))
  }
  return out
}

/** A Go `ParseFloat` value as Prometheus reads it: decimal, or NaN/±Inf in any case (prom-client writes `Nan`). */
function floatOf(raw: string): number | null {
  const special = { nan: NaN, '+inf': Infinity, inf: Infinity, '-inf': -Infinity }[raw.toLowerCase()]
  if (special !== undefined) return special
  const n = Number(raw)
  return raw.trim() === '' || Number.isNaN(n) ? null : n
}

/** Parses Prometheus text format 0.0.4 strictly: a line that is neither comment nor sample throws. */
export function parseExposition(text: string): Families {
  const families: Families = new Map()
  const typed: string[] = [] // samples follow their family's # TYPE line
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ')) continue
    const type = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line)
    if (type) {
      families.set(type[1]!, { type: type[2]!, samples: [] })
      typed.push(type[1]!)
      continue
    }
    const m = SAMPLE.exec(line)
    if (!m) throw new Error(`not an exposition line: ${line}`)
    const family = typed.at(-1)
    const suffix = family && m[1]!.startsWith(family) ? m[1]!.slice(family.length) : null
    if (suffix === null || !/^(_bucket|_sum|_count)?$/.test(suffix))
      throw new Error(`sample outside its family: ${line}`)
    const value = floatOf(m[3]!)
    if (value === null) throw new Error(`bad value: ${line}`)
    families.get(family!)!.samples.push({ name: m[1]!, labels: m[2] ? parseLabels(m[2]) : {}, value })
  }
  return families
}

/** The value of the one sample named `name` whose labels include `labels`; throws unless exactly one matches. */
export function valueOf(families: Families, name: string, labels: Record<string, string> = {}): number {
  const matching = [...families.values()]
    .flatMap((f) => f.samples)
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
  if (matching.length !== 1) throw new Error(`${matching.length} samples of ${name} ${JSON.stringify(labels)}`)
  return matching[0]!.value
}
