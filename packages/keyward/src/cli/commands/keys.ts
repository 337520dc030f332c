import { type Command, Option } from 'commander'
import type {
  ApiKey,
  CreatedKey,
  KeyKind,
  KeySortField,
  KeyStatus,
  KeywardClient,
  ListKeysFilter,
  NamedLimitInput,
  OwnerRef,
  RateLimit,
  Refill,
  RevokedKey,
  UpdateKeyInput,
} from '@keyward/client'
import { classifyKey } from '../../core/key-format.js'
import { MAX_USAGE_DAYS } from '../../services/keys/usage-service.js'
import { keyFields, keyTable, type Printer, usageTable, when } from '../output.js'
import { NEVER, UsageError, parse } from '../parse.js'
import { checkedLimits, limitFlags } from '../limit-flags.js'
import { promptLine, promptSecret } from '../prompt.js'
import { remoteAction, remoteOptions } from '../remote.js'
import { registerKeyImport } from './key-import.js'
import {
  type RestrictionFlags,
  contextOf,
  contextOptions,
  restrictionOptions,
  restrictionsOf,
} from './key-restrictions.js'

type Env = Record<string, string | undefined>

/** Exit code of `keys verify` for a key that is refused (distinct from 1, an API error). */
export const EXIT_KEY_REFUSED = 3

interface LimitFlags extends RestrictionFlags {
  description?: string
  expiresAt?: string
  scopes?: string[]
  meta?: Record<string, unknown>
  rateLimit?: RateLimit
  rateLimitPerMinute?: number
  ratelimit?: NamedLimitInput[]
  remaining?: number
  refill?: Refill
  identity?: number
}

/** Options shared by `keys create` and `keys update`. */
function limitOptions(cmd: Command): Command {
  return restrictionOptions(cmd)
    .option('--description <text>', 'free text')
    .option(
      '--expires-at <date>',
      'ISO-8601 time with its zone, e.g. 2027-12-31T23:59:59Z, a day (2027-12-31: 00:00 UTC), a time from now (90m, 12h, 30d, 2w: no seconds); "never" for none',
      parse.expiry,
    )
    .option(
      '--scopes <scopes>',
      'comma-separated scopes your API checks when it verifies the key, e.g. invoices:read,invoices:write; ' +
        "Keyward's own scopes (keys:read, users:write, ...) also narrow the key on Keyward's API",
      parse.scopes,
    )
    .option('--meta <json>', 'JSON object stored with the key', parse.meta)
    .option('--rate-limit <n/window>', 'at most n verifications per window, e.g. 100/60s, 1000/1h', parse.rateLimit)
    .option('--rate-limit-per-minute <n>', 'same as --rate-limit n/60s', parse.int)
    .option(
      '--ratelimit <name:n/window>',
      'a named limit, :auto to check it on every verification (repeat for several; replaces them all), e.g. tokens:1000/1h or requests:100/60s:auto',
      limitFlags.namedLimit,
    )
    .option('--identity <id>', 'link the key to this identity (its shared limits and credits)', parse.positive)
    .option('--remaining <n>', 'usage budget: verifications left', parse.int)
    .option('--refill <n/interval>', 'reset the budget to n every interval (not add n), e.g. 100/1d', parse.refill)
}

function limitsOf(o: LimitFlags): UpdateKeyInput {
  const restrictions = restrictionsOf(o)
  return {
    ...(restrictions && { restrictions }),
    ...(o.description !== undefined && { description: o.description }),
    ...(o.expiresAt !== undefined && { expires_at: o.expiresAt === NEVER ? null : o.expiresAt }),
    ...(o.scopes !== undefined && { scopes: o.scopes }),
    ...(o.meta !== undefined && { meta: o.meta }),
    ...(o.rateLimit !== undefined && { rate_limit: o.rateLimit }),
    ...(o.rateLimitPerMinute !== undefined && { rate_limit_per_minute: o.rateLimitPerMinute }),
    ...(o.ratelimit !== undefined && { ratelimits: o.ratelimit }),
    ...(o.identity !== undefined && { identity_id: o.identity }),
    ...(o.remaining !== undefined && { remaining: o.remaining }),
    ...(o.refill !== undefined && { refill: o.refill }),
  }
}

/**
 * A key's kind when it says something: "user" is the ordinary named key, whatever owns it (an
 * organization's key printed as "(user, owner organization:2)", which reads as a user's).
 */
const kindWords = (kind: string) => (kind === 'user' ? '' : `${kind} key, `)

/** Prints a new secret once, with the warning that it cannot be shown again. */
function printSecret(out: Printer, created: CreatedKey, verb: string): void {
  out.result(created, () => {
    const k = created.api_key
    out.note(
      `${verb} key ${k.id}${k.name ? ` "${k.name}"` : ''} (${kindWords(k.kind)}owner ${k.owner.kind}:${k.owner.id}). The secret:`,
    )
    out.line(created.key)
    out.note('Store it now: it is shown only this once and cannot be recovered.')
    // A "test key" made without thinking holds an admin's rights when its maker is one.
    if (k.scopes.length === 0)
      out.note("It has no scopes: on Keyward's API it holds all of its owner's rights (--scopes narrows a key).")
  })
}

/** `keyward keys create|list|get|update|disable|enable|revoke|made|delete|roll|verify`. */
export function registerKeyCommands(program: Command, env: Env): void {
  const keys = program.command('keys').description('manage API keys')
  registerKeyImport(keys, env)
  for (const register of [
    registerKeyCreate,
    registerKeyList,
    registerKeyGet,
    registerKeyUpdate,
    registerKeySwitches,
    registerKeyRevoke,
    registerKeyMade,
    registerKeyDelete,
    registerKeyRoll,
    registerKeyEndGrace,
    registerKeyUsage,
    registerKeyReportLeak,
    registerKeyVerify,
  ])
    register(keys, env)
}

/** `keyward keys create`. */
function registerKeyCreate(keys: Command, env: Env): void {
  remoteAction<LimitFlags & { name: string; prefix?: string; owner?: OwnerRef; org?: string }>(
    limitOptions(remoteOptions(keys.command('create').description('create a key and print its secret (once)')))
      .requiredOption('--name <name>', "key name (unique among the owner's keys)")
      .option(
        '--prefix <prefix>',
        'key prefix instead of kw: a lowercase letter, then up to 15 lowercase letters or digits (live: live_…)',
      )
      .option('--owner <kind:id>', 'owner: user:<id>, application:<id> or device:<id> (default: you)', parse.owner)
      .option('--org <handle>', 'owned by this organization (a service key that outlives its creator)'),
    env,
    async ({ client, out }, o) => {
      if (o.org && o.owner) throw new UsageError('give --owner or --org, not both.')
      const org = o.org ? await client.organizations.get(o.org) : null
      const created = await client.apiKeys.create({
        name: o.name,
        ...limitsOf(o),
        ...(o.prefix !== undefined && { prefix: o.prefix }),
        ...(o.owner && { owner: o.owner }),
        ...(org && { owner: { kind: 'organization', id: org.id } }),
      })
      printSecret(out, created, 'Created')
    },
  )
}

/** The options of `keyward keys list`. */
interface KeyListOptions {
  status?: KeyStatus
  kind?: KeyKind
  owner?: OwnerRef
  org?: string
  q?: string
  prefix?: string
  createdByKey?: string
  madeByKey?: string
  scope?: string
  identity?: number
  limit?: number
  cursor?: string
  all?: boolean
  sort?: KeySortField
  order?: 'asc' | 'desc'
}

/** `keyward keys list`. */
function registerKeyList(keys: Command, env: Env): void {
  remoteAction<KeyListOptions>(declareKeyListFlags(keys.command('list')), env, async ({ client, out }, o) => {
    const filter = await keyListFilter(client, o)
    if (o.all) {
      const all = await client.apiKeys.all(filter)
      return out.result({ api_keys: all, total: all.length, next_cursor: null }, () => {
        out.line(keyTable(all))
        out.note(`${all.length} key(s)`)
      })
    }
    const page = await client.apiKeys.list(filter)
    const next = page.next_cursor ? `; next page: --cursor ${page.next_cursor}` : ''
    out.result(page, () => {
      out.line(keyTable(page.api_keys))
      out.note(`${page.api_keys.length} of ${page.total} key(s)${next}`)
    })
  })
}

/** `keys list`'s flags: filters, order and paging. */
function declareKeyListFlags(list: Command): Command {
  const sortFields = ['created_at', 'name', 'last_used_at', 'expires_at']
  return remoteOptions(list.description('list keys (newest first unless --sort)'))
    .addOption(new Option('--sort <field>', 'sort by this field').choices(sortFields))
    .addOption(
      new Option('--order <order>', 'sort direction (default: desc, whatever the --sort)').choices(['asc', 'desc']),
    )
    .addOption(
      new Option('--status <status>', 'only keys in this state').choices(['active', 'expired', 'disabled', 'revoked']),
    )
    .addOption(new Option('--kind <kind>', 'only keys of this kind').choices(['user', 'provisioning', 'device']))
    .option('--owner <kind:id>', 'keys of one owner, e.g. application:7', parse.owner)
    .option('--org <handle>', "every key of one organization (its own, its fleets' and devices')")
    .option('-q, --q <text>', 'name contains')
    .option(
      '--prefix <start>',
      "keys whose visible start begins with this, e.g. kw_AbC123 (only that much is matched: paste no more, as a command line shows in ps and shell history; not create's --prefix)",
      parse.keyStart,
    )
    .option('--created-by-key <id>', 'only keys created with this key', parse.id)
    .option(
      '--made-by-key <id>',
      'only keys this key made: created, or whose live secret it rolled (what revoke --minted ends)',
      parse.id,
    )
    .option(
      '--scope <scope>',
      'only keys whose scopes include this one, exactly (keys without scopes do not match)',
      parse.scope,
    )
    .option('--identity <id>', 'keys linked to this identity', parse.positive)
    .option('--limit <n>', 'page size (at most 500)', parse.upTo(500))
    .option('--cursor <cursor>', 'the page after this cursor (from a previous listing)')
    .option('--all', 'every page')
}

/** The listing's filter; `--org` is a handle, read to its id. */
async function keyListFilter(client: KeywardClient, o: KeyListOptions): Promise<ListKeysFilter> {
  return {
    status: o.status,
    kind: o.kind,
    q: o.q,
    prefix: o.prefix, // the SDK sends its visible start only (`keyPrefixOf`)
    created_by_key_id: o.createdByKey === undefined ? undefined : Number(o.createdByKey),
    made_by_key_id: o.madeByKey === undefined ? undefined : Number(o.madeByKey),
    scope: o.scope,
    limit: o.limit,
    cursor: o.cursor,
    sort: o.sort,
    order: o.order,
    ...(o.owner && { owner_kind: o.owner.kind, owner_id: o.owner.id }),
    ...(o.org && { organization_id: (await client.organizations.get(o.org)).id }),
    ...(o.identity !== undefined && { identity_id: o.identity }),
  }
}

/** `keyward keys get`. */
function registerKeyGet(keys: Command, env: Env): void {
  remoteAction<object, [string]>(
    remoteOptions(keys.command('get').description('show one key').argument('<id>', 'key id', parse.id)),
    env,
    async ({ client, out }, _o, id) => {
      const k = await client.apiKeys.get(id)
      out.result(k, () => out.line(keyFields(k)))
    },
  )
}

/** `keyward keys update`. */
function registerKeyUpdate(keys: Command, env: Env): void {
  remoteAction<LimitFlags & { name?: string; clear?: string[] }, [string]>(
    limitOptions(
      remoteOptions(
        keys
          .command('update')
          .description('change a key (a past --expires-at expires it now)')
          .argument('<id>', 'key id', parse.id),
      ),
    )
      .option('--name <name>', 'new name')
      .option(
        '--clear <fields>',
        `comma-separated fields to clear: ${Object.keys(CLEARED).join(', ')} (ratelimits: every limit, default included)`,
        parse.list,
      ),
    env,
    async ({ client, out }, o, id) => {
      // A PATCH replaces all restrictions: keep the list this command does not name.
      const partial = (o.ipAllow === undefined) !== (o.originAllow === undefined)
      const current = partial ? (await client.apiKeys.get(id)).restrictions : null
      const restrictions = restrictionsOf(o, current)
      const patch = withCleared(
        { ...limitsOf(o), ...(restrictions && { restrictions }), ...(o.name !== undefined && { name: o.name }) },
        o.clear ?? [],
      )
      if (Object.keys(patch).length === 0)
        throw new UsageError(
          'nothing to update: give at least one of --name, --description, --expires-at, --scopes, --meta, --rate-limit, --rate-limit-per-minute, --ratelimit, --identity, --remaining, --refill, --ip-allow, --origin-allow, --clear.',
        )
      const k = await client.apiKeys.update(id, patch)
      out.result(k, () => out.line(keyFields(k)))
    },
  )
}

/** `keyward keys disable|enable`. */
function registerKeySwitches(keys: Command, env: Env): void {
  for (const [verb, text] of [
    ['disable', 'suspend a key until enabled'],
    ['enable', 'enable a disabled key (one whose user is deactivated stays refused until the user is reactivated)'],
  ] as const) {
    remoteAction<object, [string]>(
      remoteOptions(keys.command(verb).description(text).argument('<id>', 'key id', parse.id)),
      env,
      async ({ client, out }, _o, id) => {
        const k = await client.apiKeys[verb](id)
        out.result(k, () => out.line(`Key ${k.id} is ${k.status}.`))
      },
    )
  }
}

/** `keyward keys revoke`. */
function registerKeyRevoke(keys: Command, env: Env): void {
  remoteAction<{ reason?: string; minted?: boolean }, [string]>(
    remoteOptions(
      keys
        .command('revoke')
        .description('revoke a key for good (the record stays, for audit)')
        .argument('<id>', 'key id', parse.id),
    )
      .option('--reason <text>', 'why, recorded with the key')
      .option('--minted', 'also revoke every key made with this key, and what those made (after a leak)'),
    env,
    async ({ client, out }, o, id) => {
      // Read only for the note (a credential that may revoke but not read keys still revokes): a second revoke
      // answered "is revoked" and kept the first reason without a word (a new user's find).
      const before = await client.apiKeys.get(id).then(
        (k) => k.revoked_at,
        () => null,
      )
      const k = await client.apiKeys.revoke(id, { reason: o.reason, minted: o.minted })
      out.result(k, () => out.line(revokedLine(k, before)))
    },
  )
}

/** `keyward keys made`: what `revoke --minted` would end now, changing nothing. */
function registerKeyMade(keys: Command, env: Env): void {
  remoteAction<object, [string]>(
    remoteOptions(
      keys
        .command('made')
        .description('what `keys revoke --minted` would end now: the keys made from this key, the passwords it chose')
        .argument('<id>', 'key id', parse.id),
    ),
    env,
    async ({ client, out }, _o, id) => {
      const m = await client.apiKeys.made(id)
      out.result(m, () =>
        out.line(
          `revoke --minted would revoke key ${id} and ${m.keys} key(s) made from it (with it, or by the keys it made), ` +
            `and clear ${m.passwords} password(s) they chose` +
            (m.own_password ? '; yours is one of them: it signs you out (another admin sets you a new one)' : '') +
            (m.webhooks ? `, and stop ${m.webhooks} webhook(s) logins of those passwords configured` : ''),
        ),
      )
    },
  )
}

/** `keyward keys delete`. */
function registerKeyDelete(keys: Command, env: Env): void {
  remoteAction<{ yes?: boolean }, [string]>(
    remoteOptions(
      keys
        .command('delete')
        .description('delete a key and its record (asks first on a terminal)')
        .argument('<id>', 'key id', parse.id),
    ).option('-y, --yes', 'do not ask for confirmation'),
    env,
    async ({ client, out }, o, id) => {
      if (!o.yes && process.stdin.isTTY) await confirmDelete(await client.apiKeys.get(id))
      await client.apiKeys.delete(id)
      out.result({ id: Number(id), deleted: true }, () => out.line(`Key ${id} is deleted.`))
    },
  )
}

/** `keyward keys roll`. */
function registerKeyRoll(keys: Command, env: Env): void {
  remoteAction<{ gracePeriod?: number }, [string]>(
    remoteOptions(
      keys
        .command('roll')
        .description('give a key a new secret; the old one works for the grace period (rolling again ends it)')
        .argument('<id>', 'key id', parse.id),
    ).option(
      '--grace-period <seconds>',
      'how long the old secret keeps working: 3600, or 1h, 30m (default 0)',
      parse.seconds,
    ),
    env,
    async ({ client, out }, o, id) => {
      // A key keeps one replaced secret: this roll ends the last one's grace period early (a new user lost one so).
      // Read only for the note: a credential that may roll but not read keys still rolls.
      const graceUntil = await client.apiKeys.get(id).then(
        (k) => k.previous_secret_expires_at,
        () => null,
      )
      const rolled = await client.apiKeys.roll(id, o.gracePeriod === undefined ? {} : { grace_period_s: o.gracePeriod })
      printSecret(out, rolled, 'Rolled')
      const oldEnds = rolled.api_key.previous_secret_expires_at
      out.note(
        oldEnds
          ? `the old secret keeps working until ${when(oldEnds)} (keyward keys end-grace ${id} ends it sooner)`
          : 'the old secret stopped working now',
      )
      if (graceUntil && Date.parse(graceUntil) > Date.now())
        out.note(
          `the secret the last roll replaced (in its grace period until ${when(graceUntil)}) stopped working now`,
        )
      const revoked = rolled.minted_revoked
      if (revoked) out.note(`${revoked} key(s) it made during its grace period were revoked, with their line`)
      // Absent: that revocation failed (or a server from before the count: so only when a grace period was cut).
      else if (revoked === undefined && graceUntil && Date.parse(graceUntil) > Date.now())
        out.note(`revoking the keys that secret made may have failed; finish it with: keyward keys end-grace ${id}`)
    },
  )
}

/** `keyward keys end-grace`: the old secret of the last roll stops working now. */
function registerKeyEndGrace(keys: Command, env: Env): void {
  remoteAction<object, [string]>(
    remoteOptions(
      keys
        .command('end-grace')
        .description(
          "end the last roll's grace period now: the old secret stops working, and the keys it made are revoked",
        )
        .argument('<id>', 'key id', parse.id),
    ),
    env,
    async ({ client, out }, _o, id) => {
      const k = await client.apiKeys.endGrace(id)
      const made = k.minted_revoked ? `; ${k.minted_revoked} key(s) the old secret made were revoked` : ''
      const line = k.revoked_at
        ? `Key ${k.id} is revoked: none of its secrets works`
        : `Key ${k.id}: only its current secret works`
      out.result(k, () => out.line(`${line}${made}.`))
    },
  )
}

/** `keyward keys usage`. */
function registerKeyUsage(keys: Command, env: Env): void {
  remoteAction<{ days?: number }, [string]>(
    remoteOptions(
      keys.command('usage').description('verifications per day of one key').argument('<id>', 'key id', parse.id),
    ).option(
      '--days <n>',
      `how many days back, today included (default 30, at most ${MAX_USAGE_DAYS})`,
      parse.upTo(MAX_USAGE_DAYS),
    ),
    env,
    async ({ client, out }, o, id) => {
      const u = await client.apiKeys.usage(id, o.days === undefined ? {} : { days: o.days })
      out.result(u, () => out.line(usageTable(u.days)))
    },
  )
}

/** `keyward keys report-leak`. */
function registerKeyReportLeak(keys: Command, env: Env): void {
  remoteAction<object, [string]>(
    remoteOptions(
      keys
        .command('report-leak')
        .description(
          "report a leaked secret: the server acts as it is set to (revokes the key by default; a rolled-away secret's grace period ends) (no login needed)",
        )
        .argument('<secret|->', 'the leaked secret, or - to read it from stdin (keeps it out of the process list)'),
    ),
    env,
    async ({ client, out }, _o, arg) => {
      const secret = (arg === '-' ? await promptSecret('Leaked secret: ') : arg).trim()
      if (!secret) throw new UsageError('no secret given (stdin was empty)')
      // "Reported." for any text told a paste gone wrong nothing (a new user's find); the shape is public.
      if (classifyKey(secret).kind === 'malformed')
        throw new UsageError(
          'that is no key (under 32 characters, spaces inside, or a Keyward key whose checksum fails): nothing was reported',
        )
      await client.apiKeys.reportLeak(secret)
      out.result({ status: 'received' }, () =>
        out.line(
          "Reported. If this is a live Keyward key, the server acted on it as it is set to: revoked by default, or disabled, or only recorded (KEYWARD_LEAK_ACTION); a rolled-away secret's grace period ended. It does not say whether the key exists: check with `keyward keys verify`.",
        ),
      )
    },
  )
}

/** `keyward keys verify`. */
function registerKeyVerify(keys: Command, env: Env): void {
  remoteAction<
    { scopes?: string[]; ip?: string; origin?: string; ratelimit?: { name: string; cost?: number }[]; cost?: number },
    [string | undefined]
  >(
    contextOptions(
      remoteOptions(
        keys
          .command('verify')
          .description(`check a key; exit code 0 if valid, ${EXIT_KEY_REFUSED} if refused`)
          .argument('[key]', 'the key (read from stdin when absent, which keeps it out of the process list)'),
      )
        .option('--scopes <scopes>', 'scopes the key must hold', parse.list)
        .option(
          '--ratelimit <name[:cost]>',
          'also check this named limit, at this cost (repeatable)',
          limitFlags.limitCost,
        )
        .option('--cost <n>', 'credits to take from remaining (default 1, 0 checks only)', parse.int),
    ),
    env,
    async ({ client, out }, o, key) => {
      const secret = key ?? (await promptSecret('Key: '))
      if (!secret.trim()) throw new UsageError('no key given (stdin was empty)') // before any request: a usage error
      const context = contextOf(o)
      const r = await client.apiKeys.verify(secret.trim(), {
        ...(o.scopes && { scopes: o.scopes }),
        ...(context && { context }),
        ...(o.ratelimit && { ratelimits: o.ratelimit }),
        ...(o.cost !== undefined && { cost: o.cost }),
      })
      out.result(r, () => {
        out.line(r.valid ? `VALID: key ${r.key_id} of ${r.owner?.kind}:${r.owner?.id}` : `refused: ${r.code}`)
        if (r.code === 'INSUFFICIENT_SCOPES' && r.scopes)
          out.note(
            `it lacks ${o.scopes!.filter((x) => !r.scopes!.includes(x)).join(', ')} (it holds: ${r.scopes.join(', ') || 'none'})`,
          )
        if (r.grace_ends_at)
          out.note(`this is a rolled-away secret: it stops working ${when(r.grace_ends_at)}; use the key's new secret`)
        if (r.ratelimits) out.line(checkedLimits(r.ratelimits))
      })
      if (!r.valid) process.exitCode = EXIT_KEY_REFUSED
    },
  )
}

/** Asks before deleting for good; anything but "yes" cancels (exit 2, nothing changed). */
async function confirmDelete(k: ApiKey): Promise<void> {
  const answer = await promptLine(
    `Delete key ${k.id}${k.name ? ` "${k.name}"` : ''} for good? Revoking keeps a record instead. Type yes to delete: `,
  )
  if (answer.toLowerCase() !== 'yes') throw new UsageError('cancelled: the key was not deleted', false)
}

/** What `--clear <name>` sends: null for a nullable field, the empty list or object for the others. */
const CLEARED: Record<string, UpdateKeyInput> = {
  'rate-limit': { rate_limit: null },
  ratelimits: { ratelimits: [] }, // every named limit, `default` included
  identity: { identity_id: null },
  remaining: { remaining: null },
  refill: { refill: null },
  'expires-at': { expires_at: null },
  description: { description: null },
  restrictions: { restrictions: null },
  meta: { meta: {} },
  scopes: { scopes: [] }, // all of its owner's rights: the server allows it only to a caller holding them
}

/**
 * `patch` with the `--clear` fields added. A field both set and cleared is a usage error (which was
 * meant?); `ratelimits` cleared or set replaces `default` too, so `rate_limit` goes (the API takes one).
 */
function withCleared(patch: UpdateKeyInput, names: string[]): UpdateKeyInput {
  const out: UpdateKeyInput = { ...patch }
  for (const n of names) {
    const cleared = CLEARED[n]
    if (!cleared) throw new UsageError(`--clear: unknown field "${n}" (one of ${Object.keys(CLEARED).join(', ')})`)
    // Clearing every limit while setting `default` (--rate-limit) is the same contradiction.
    const touched = n === 'ratelimits' ? ['ratelimits', 'rate_limit'] : Object.keys(cleared)
    const both = touched.find((f) => f in patch)
    if (both)
      throw new UsageError(`--clear ${n}: that field is also given a value in this command; give one or the other`)
    Object.assign(out, cleared)
  }
  if (out.ratelimits && out.rate_limit === null) delete out.rate_limit
  return out
}

/**
 * "Key 12 is revoked." and, after --minted, how many of its descendants went with it; `before`: when the key
 * was revoked already (its reason and time are kept).
 */
function revokedLine(k: RevokedKey, before: string | null): string {
  const made = k.minted_revoked ? `${k.minted_revoked} key(s) made from it` : ''
  const logins = k.passwords_cleared
    ? ` ${k.passwords_cleared} password(s) its line set were cleared: set new ones.` +
      (k.own_password_cleared ? ' Yours was one: you are signed out; another admin sets you a new password.' : '')
    : ''
  const hooks = k.webhooks_ended
    ? ` ${k.webhooks_ended} webhook(s) logins of those passwords configured send nothing until their secret is rotated: check their URLs first.`
    : ''
  if (!before) return (made ? `Key ${k.id} is revoked, with ${made}.` : `Key ${k.id} is revoked.`) + logins + hooks
  const was = `Key ${k.id} was already revoked (${when(before)}${k.revoked_reason ? `: ${k.revoked_reason}` : ''})`
  return (made ? `${was}; now ${made} too.` : `${was}; its record is unchanged.`) + logins + hooks
}
