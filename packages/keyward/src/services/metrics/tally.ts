import {
  Counter,
  Histogram,
  type MetricObjectWithValues,
  type MetricType,
  type MetricValueWithName,
  type Registry,
} from 'prom-client'

/**
 * Why tallies: prom-client's label children hash their labels and allocate on every `inc` and
 * `observe` (`labels()` only pre-binds the label object). The verify path counts into these
 * preallocated numbers instead (an array index and an add, no allocation), and the prom-client
 * metrics below read them when Prometheus scrapes.
 */

/** Counts per fixed label value (e.g. one per verify code), each a slot of one array. */
export class CountTally<L extends string> {
  private readonly counts: Float64Array
  private readonly index: Record<L, number>

  constructor(readonly labels: readonly L[]) {
    this.counts = new Float64Array(labels.length)
    this.index = Object.fromEntries(labels.map((l, i) => [l, i])) as Record<L, number>
  }

  /** Adds one to `label`'s count. */
  inc(label: L): void {
    this.counts[this.index[label]]!++
  }

  count(label: L): number {
    return this.counts[this.index[label]]!
  }
}

/** A histogram's buckets in preallocated memory: `observe` is a short loop over numbers. */
export class BucketTally {
  /** Observations per bucket (not cumulative); the last slot is `+Inf`. */
  readonly counts: Float64Array
  sum = 0
  count = 0

  /** `bounds`: ascending upper bounds (`le`), without `+Inf`. */
  constructor(readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1)
  }

  /** One observation, or `weight` alike (a sample standing for that many). */
  observe(value: number, weight = 1): void {
    const { bounds } = this
    let i = 0
    while (i < bounds.length && value > bounds[i]!) i++
    this.counts[i]! += weight
    this.sum += value * weight
    this.count += weight
  }
}

/**
 * A counter whose series (one per label value of `label`, each with the `fixed` labels too)
 * are read from `tally` at scrape time; every value is exposed, zeros included.
 */
export function talliedCounter<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  label: string,
  tally: CountTally<L>,
  fixed: Record<string, string> = {},
): Counter {
  return new Counter({
    name,
    help,
    labelNames: [...Object.keys(fixed), label],
    registers: [registry],
    collect() {
      this.reset()
      for (const l of tally.labels) this.inc({ ...fixed, [label]: l }, tally.count(l))
    },
  })
}

/** A counter without labels whose value is read from `read()` at scrape time. */
export function readCounter(registry: Registry, name: string, help: string, read: () => number): Counter {
  return new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset()
      this.inc(read())
    },
  })
}

/** prom-client types `type` as an enum its JavaScript does not export; the value is this string. */
const HISTOGRAM = 'histogram' as unknown as MetricType

/** One series of a tallied histogram: its label values and its buckets. */
export interface TallySeries {
  readonly labels: Readonly<Record<string, string | number>>
  readonly tally: BucketTally
}

/**
 * A prom-client histogram whose exposition is read from `BucketTally`s (which it never writes):
 * one unlabelled tally, or the series `series()` lists at scrape time (each with its labels).
 */
export class TalliedHistogram extends Histogram {
  private readonly series: () => Iterable<TallySeries>

  constructor(
    registry: Registry,
    private readonly metricName: string,
    private readonly helpText: string,
    tally: BucketTally | { bounds: readonly number[]; series: () => Iterable<TallySeries> },
  ) {
    super({ name: metricName, help: helpText, buckets: [...tally.bounds], registers: [registry] })
    this.series = tally instanceof BucketTally ? () => [{ labels: {}, tally }] : tally.series
  }

  /** What the registry formats (it prefers this method to `get`). */
  getForPromString(): Promise<MetricObjectWithValues<MetricValueWithName<string>>> {
    return Promise.resolve(this.snapshot())
  }

  override get(): Promise<MetricObjectWithValues<MetricValueWithName<string>>> {
    return Promise.resolve(this.snapshot())
  }

  private snapshot(): MetricObjectWithValues<MetricValueWithName<string>> {
    const name = this.metricName
    const values: MetricValueWithName<string>[] = []
    for (const { labels, tally } of this.series()) {
      let cumulative = 0
      tally.bounds.forEach((le, i) => {
        cumulative += tally.counts[i]!
        values.push({ metricName: `${name}_bucket`, labels: { ...labels, le }, value: cumulative })
      })
      values.push({ metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: tally.count })
      values.push({ metricName: `${name}_sum`, labels, value: tally.sum })
      values.push({ metricName: `${name}_count`, labels, value: tally.count })
    }
    return { name, help: this.helpText, type: HISTOGRAM, values, aggregator: 'sum', collect: () => {} }
  }
}
