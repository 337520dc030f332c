import { type LimitRequest, MAX_COST } from '../services/policies/limit-step.js'

/** A middleware option given once for every request, or computed from each request. */
export type PerRequest<Req, T> = T | ((req: Req) => T)

/** A named limit a request is charged against, with its cost (default 1, 0 checks without taking). */
export interface LimitCharge {
  name: string
  cost?: number
}

/**
 * What the middlewares charge each request, as `POST /v1/keys/verify` takes it: named limits to
 * check besides the auto-applied ones, and credits to take from `remaining`. Each is a constant
 * or a function of the request, so an app can charge per route or per body size.
 */
export interface ChargeOptions<Req> {
  /** Named limits to check, each with its cost; a name the key (and its identity) lacks is not checked. */
  ratelimits?: PerRequest<Req, readonly LimitCharge[]>
  /** Credits to take from the key's `remaining` (and its identity's); default 1, 0 allowed. */
  cost?: PerRequest<Req, number>
}

/** The charge of a middleware given neither option: one shared empty request, nothing built per call. */
const NO_CHARGE: LimitRequest = Object.freeze({})

/**
 * A function that computes the limit request of each request from the options (`NO_CHARGE`
 * when neither is given, so the verify call is what it was before these options). A cost that is not an
 * integer in 0…1e9 is the app's bug, not the client's: it throws, and the middleware passes
 * the error on (a negative cost would otherwise give credits back).
 */
export function chargeOf<Req>(opts: ChargeOptions<Req>): (req: Req) => LimitRequest {
  const { ratelimits, cost } = opts
  if (ratelimits === undefined && cost === undefined) return () => NO_CHARGE
  return (req) => {
    const out: LimitRequest = {}
    const limits = typeof ratelimits === 'function' ? ratelimits(req) : ratelimits
    if (limits !== undefined) out.ratelimits = limits.map((l) => ({ name: l.name, cost: checked(l.cost ?? 1) }))
    const credits = typeof cost === 'function' ? cost(req) : cost
    if (credits !== undefined) out.cost = checked(credits)
    return out
  }
}

function checked(cost: number): number {
  if (Number.isInteger(cost) && cost >= 0 && cost <= MAX_COST) return cost
  throw new RangeError(`keyward middleware: a cost must be an integer from 0 to ${MAX_COST}, got ${String(cost)}`)
}
