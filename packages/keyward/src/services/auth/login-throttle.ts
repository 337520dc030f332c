import { type RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible'
import { KeywardError } from '../../core/errors.js'
import type { KeyRateLimiter } from '../cluster/rate-limiter.js'

/**
 * Failed-login limits. Per (account, IP): the guesser is stopped, the account's owner
 * elsewhere is not. Per IP: a spray over many accounts. Per account over all IPs: a
 * botnet is slowed to one attempt per `slowLaneS` once `perAccount` is spent, rather
 * than locking the account for everyone.
 */
export const LOGIN_LIMITS = {
  perAccountIp: { points: 10, windowS: 15 * 60 },
  perIp: { points: 30, windowS: 15 * 60 },
  perAccount: { points: 50, windowS: 60 * 60 },
  slowLaneS: 10,
} as const

/** What a login attempt reserved, given back by `succeeded`. */
export interface Reservation {
  accountIp: string
  ip: string
  account: string
}

const throttled = (r: RateLimiterRes) =>
  new KeywardError('rate_limited', 'too many failed logins; try again later', {
    retryAfterS: Math.max(1, Math.ceil(r.msBeforeNext / 1000)),
  })

/**
 * Login throttling, in the cluster's shared limiter store (memory on one node; Redis or
 * PostgreSQL otherwise), so N nodes allow the same attempts as one. An attempt is
 * reserved (counted atomically) before the password is hashed: concurrent attempts
 * cannot all pass a check made before any of them is counted. A successful login gives
 * its reservation back and clears its (account, IP) failures.
 */
export class LoginThrottle {
  private readonly perAccountIp: RateLimiterAbstract
  private readonly perIp: RateLimiterAbstract
  private readonly perAccount: RateLimiterAbstract
  private readonly slowLane: RateLimiterAbstract

  constructor(store: KeyRateLimiter) {
    const { perAccountIp, perIp, perAccount, slowLaneS } = LOGIN_LIMITS
    this.perAccountIp = store.counter('login-account-ip', perAccountIp.points, perAccountIp.windowS)
    this.perIp = store.counter('login-ip', perIp.points, perIp.windowS)
    this.perAccount = store.counter('login-account', perAccount.points, perAccount.windowS)
    this.slowLane = store.counter('login-account-slow', 1, slowLaneS)
  }

  /**
   * Counts one attempt of `account` (a stable id: the user id, whatever name the login used)
   * from `ip`, or throws 429. A refused attempt is not counted against the wider limits.
   */
  async reserve(account: string, ip: string): Promise<Reservation> {
    const r: Reservation = { accountIp: `${account}|${ip}`, ip, account }
    const taken: [RateLimiterAbstract, string][] = []
    try {
      for (const [limiter, key] of [
        [this.perAccountIp, r.accountIp],
        [this.perIp, r.ip],
      ] as const) {
        await limiter.consume(key)
        taken.push([limiter, key])
      }
      await this.perAccount.consume(account).catch((e: unknown) => this.slowLaneOr(e, account))
      return r
    } catch (e) {
      await Promise.all(taken.map(([l, key]) => l.reward(key, 1)))
      throw e instanceof RateLimiterRes ? throttled(e) : e
    }
  }

  /** The account's hourly budget is spent: one attempt per slow-lane interval, for everyone. */
  private async slowLaneOr(e: unknown, account: string): Promise<void> {
    if (!(e instanceof RateLimiterRes)) throw e
    await this.slowLane.consume(account)
  }

  /** The password was right: this attempt does not count, and its (account, IP) failures are forgotten. */
  async succeeded(r: Reservation): Promise<void> {
    await Promise.all([
      this.perAccountIp.delete(r.accountIp),
      this.perIp.reward(r.ip, 1),
      this.perAccount.reward(r.account, 1),
    ])
  }
}
