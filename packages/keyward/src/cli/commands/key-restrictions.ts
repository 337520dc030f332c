import type { Command } from 'commander'
import type { CallContext, Restrictions } from '@keyward/client'
import { parse } from '../parse.js'

/** The `--ip-allow` / `--origin-allow` flags of `keys create` and `keys update`. */
export interface RestrictionFlags {
  ipAllow?: string[]
  originAllow?: string[]
}

/** Adds the restriction flags; the server checks each entry (a bad one is a 400 naming it). */
export function restrictionOptions(cmd: Command): Command {
  return cmd
    .option(
      '--ip-allow <cidrs>',
      'comma-separated addresses or CIDRs the key works from, e.g. 10.0.0.0/8,2001:db8::/32 ("" for anywhere)',
      parse.list,
    )
    .option(
      '--origin-allow <origins>',
      'comma-separated Origin patterns the key works from, e.g. https://app.example.com,*.example.com ("" for any)',
      parse.list,
    )
}

/**
 * The restrictions to send, or undefined when no flag was given. A PATCH replaces the whole
 * object, so the list not named on the command line is kept from `current` (the key as it is).
 */
export function restrictionsOf(o: RestrictionFlags, current: Restrictions | null = null): Restrictions | undefined {
  if (o.ipAllow === undefined && o.originAllow === undefined) return undefined
  const ip = o.ipAllow ?? current?.ip_allow ?? []
  const origin = o.originAllow ?? current?.origin_allow ?? []
  return { ...(ip.length > 0 && { ip_allow: ip }), ...(origin.length > 0 && { origin_allow: origin }) }
}

/** The `--ip` / `--origin` flags of `keys verify`: the context of the call being checked. */
export function contextOptions(cmd: Command): Command {
  return cmd
    .option('--ip <address>', "the client's address, for keys restricted by --ip-allow")
    .option('--origin <origin>', "the request's Origin, for keys restricted by --origin-allow")
}

/** The context to send, or undefined when neither flag was given. */
export function contextOf(o: { ip?: string; origin?: string }): CallContext | undefined {
  if (o.ip === undefined && o.origin === undefined) return undefined
  return { ...(o.ip !== undefined && { ip: o.ip }), ...(o.origin !== undefined && { origin: o.origin }) }
}
