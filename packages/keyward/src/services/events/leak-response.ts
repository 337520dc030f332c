import type { LeakAction } from '../../config.js'
import { KeywardError } from '../../core/errors.js'
import { hashSecret } from '../../core/key-format.js'
import type { Clock } from '../../core/clock.js'
import type { KeyRepository } from '../../store/key-repository.js'
import type { LeakReportRepository } from '../../store/leak-reports.js'
import type { KeyRateLimiter } from '../cluster/rate-limiter.js'
import type { KeyLineage } from '../keys/key-lineage.js'
import type { LeakReport } from '../keys/key-service.js'
import type { GithubScanningKeys } from './github-scanning-keys.js'

/** One match in a GitHub secret-scanning payload. */
export interface GithubMatch {
  token: string
  type: string
  url?: string
  source?: string
}

/** GitHub's feedback for one match: whether the token is (or was) one of ours. */
export interface GithubFeedback {
  token_hash: string
  token_type: string
  label: 'true_positive' | 'false_positive'
}

/** Self-reports per IP and window: enough for a person or a script cleaning up, not for a hash oracle. */
export const SELF_REPORT_LIMIT = { points: 20, windowS: 60 }

/**
 * Acts on leaked secrets: GitHub's secret-scanning partner reports (signed) and self-reports
 * by whoever holds a secret. Both can only take rights away (revoke, disable, end a grace
 * period), so neither needs a caller; what a key owner learns is the `key.leaked` audit event.
 */
export class LeakResponse {
  constructor(
    private readonly keysRepo: KeyRepository,
    private readonly lineage: KeyLineage,
    private readonly action: LeakAction,
    private readonly githubKeys: GithubScanningKeys | null,
    private readonly limiter: KeyRateLimiter,
    private readonly reports: LeakReportRepository,
    private readonly clock: Clock,
  ) {}

  /** Whether the GitHub intake is configured (else its route answers 404). */
  get githubEnabled(): boolean {
    return this.githubKeys !== null
  }

  /**
   * A GitHub report: the signature over the raw body is checked first (401, nothing changes,
   * when it fails); then every match is handled and labelled.
   */
  async github(
    raw: Buffer,
    keyId: string | undefined,
    signature: string | undefined,
    ip: string | null,
  ): Promise<GithubFeedback[]> {
    if (!this.githubKeys || !keyId || !signature || !(await this.githubKeys.verify(raw, keyId, signature))) {
      throw new KeywardError('unauthorized', 'missing or invalid GitHub secret-scanning signature')
    }
    const matches = parseMatches(raw)
    const out: GithubFeedback[] = []
    for (const m of matches) {
      const ours = await this.handleOnce(m, ip)
      out.push({
        token_hash: hashSecret(m.token),
        token_type: m.type,
        label: ours ? 'true_positive' : 'false_positive',
      })
    }
    return out
  }

  /** Someone holding a secret reports it. Throttled per IP; the answer never says whether it existed. */
  async selfReport(secret: string, ip: string | null): Promise<void> {
    const { allowed, state } = await this.limiter.consumeFor(
      `leak-report:${ip ?? 'unknown'}`,
      SELF_REPORT_LIMIT.points,
      SELF_REPORT_LIMIT.windowS,
    )
    if (!allowed) {
      const retryAfterS = Math.max(1, Math.ceil((Date.parse(state.reset_at) - Date.now()) / 1000))
      throw new KeywardError('rate_limited', 'too many leak reports from this address; try again later', {
        retryAfterS,
      })
    }
    await this.handle(secret, { via: 'self-report', ip })
  }

  /**
   * Acts on one GitHub match unless this very match was acted on before (`LeakReportRepository`): a replayed
   * report must not disable again a key its owner re-enabled. The same secret found somewhere else acts again.
   */
  private async handleOnce(m: GithubMatch, ip: string | null): Promise<boolean> {
    const found = await this.keysRepo.findByHash(hashSecret(m.token))
    if (!found) return false
    const digest = hashSecret(JSON.stringify([hashSecret(m.token), m.url ?? null, m.source ?? null]))
    if (await this.reports.seen(digest)) return true
    await this.lineage.respondToLeak(found, this.action, { via: 'github', url: m.url, source: m.source, ip })
    await this.reports.record(digest, this.clock.now())
    return true
  }

  /** Acts on one secret; true when it is (or was) a Keyward key. */
  private async handle(secret: string, report: LeakReport): Promise<boolean> {
    const found = await this.keysRepo.findByHash(hashSecret(secret))
    if (!found) return false
    await this.lineage.respondToLeak(found, this.action, report)
    return true
  }
}

/** The body GitHub sends: a JSON array of `{token, type, url?, source?}`; anything else is a 400. */
function parseMatches(raw: Buffer): GithubMatch[] {
  let body: unknown
  try {
    body = JSON.parse(raw.toString('utf8'))
  } catch {
    throw new KeywardError('invalid_json', 'the body is not JSON')
  }
  const ok = (m: unknown): m is GithubMatch =>
    typeof m === 'object' &&
    m !== null &&
    typeof (m as GithubMatch).token === 'string' &&
    typeof (m as GithubMatch).type === 'string' &&
    ['url', 'source'].every(
      (f) => (m as Record<string, unknown>)[f] === undefined || typeof (m as Record<string, unknown>)[f] === 'string',
    )
  if (!Array.isArray(body) || !body.every(ok))
    throw new KeywardError('validation_failed', 'expected an array of {token, type, url?, source?}')
  if (body.length > 1000) throw new KeywardError('payload_too_large', 'at most 1,000 matches per report')
  return body
}
