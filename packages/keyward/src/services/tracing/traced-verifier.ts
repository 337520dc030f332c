import { SpanStatusCode, type Tracer } from '@opentelemetry/api'
import { Verifier, type Verified, type VerifyOptions } from '../keys/verifier.js'
import type { KeywardMetrics } from '../metrics/metrics.js'

/**
 * A `Verifier` whose `verify` is a span: `keyward.verify.code`, and `keyward.cache.hit` (absent
 * for a malformed key, which is never looked up). Never the key, its hash or its id. Built only
 * when tracing is on, so the untraced verify path runs no tracing code at all.
 */
export class TracedVerifier extends Verifier {
  constructor(
    private readonly tracer: Tracer,
    private readonly metrics: KeywardMetrics,
    ...args: ConstructorParameters<typeof Verifier>
  ) {
    super(...args)
  }

  override verify(secret: string, opts?: VerifyOptions): Promise<Verified> {
    return this.tracer.startActiveSpan('keyward.verify', (span) => {
      // `verify` counts its cache lookup before it returns its promise: the counters that moved
      // during this synchronous call are this verification's (JavaScript runs one call at a time).
      const hits = this.metrics.cacheHits
      const misses = this.metrics.cacheMisses
      const answer = super.verify(secret, opts)
      if (this.metrics.cacheHits > hits) span.setAttribute('keyward.cache.hit', true)
      else if (this.metrics.cacheMisses > misses) span.setAttribute('keyward.cache.hit', false)
      return answer.then(
        (r) => {
          span.setAttribute('keyward.verify.code', r.code)
          span.end()
          return r
        },
        (e: unknown) => {
          span.setStatus({ code: SpanStatusCode.ERROR })
          span.end()
          throw e
        },
      )
    })
  }
}
