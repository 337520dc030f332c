import type { Command } from 'commander'
import type { Identity, NamedLimitInput, Refill, UpdateIdentityInput } from '@keyward/client'
import { fields, limitsLine, table, when } from '../output.js'
import { UsageError, parse } from '../parse.js'
import { limitFlags, limitsTable } from '../limit-flags.js'
import { remoteAction, remoteOptions } from '../remote.js'

type Env = Record<string, string | undefined>

interface IdentityFlags {
  externalId?: string
  meta?: Record<string, unknown>
  ratelimit?: NamedLimitInput[]
  remaining?: number
  refill?: Refill
}

/** Options shared by `identities create` and `identities update`. */
function identityOptions(cmd: Command): Command {
  return cmd
    .option('--meta <json>', 'JSON object stored with the identity', parse.meta)
    .option(
      '--ratelimit <name:n/window>',
      'a limit shared by all its keys (repeat for several; replaces them all), e.g. requests:100/60s:auto',
      limitFlags.namedLimit,
    )
    .option('--remaining <n>', 'credits shared by its keys', parse.int)
    .option('--refill <n/interval>', 'reset the credits to n every interval, e.g. 1000/1d', parse.refill)
}

function inputOf(o: IdentityFlags): UpdateIdentityInput {
  return {
    ...(o.externalId !== undefined && { external_id: o.externalId }),
    ...(o.meta !== undefined && { meta: o.meta }),
    ...(o.ratelimit !== undefined && { ratelimits: o.ratelimit }),
    ...(o.remaining !== undefined && { remaining: o.remaining }),
    ...(o.refill !== undefined && { refill: o.refill }),
  }
}

/** `keyward identities create|list|get|update|delete`: shared limits and credits of a customer's keys. */
export function registerIdentityCommands(program: Command, env: Env): void {
  const ids = program.command('identities').description("manage identities (a customer's shared limits)")
  registerIdentityCreateList(ids, env)
  registerIdentityEdit(ids, env)
}

/** `identities create|list`. */
function registerIdentityCreateList(ids: Command, env: Env): void {
  remoteAction<IdentityFlags & { externalId: string }>(
    identityOptions(remoteOptions(ids.command('create').description('create an identity'))).requiredOption(
      '--external-id <id>',
      'your id for the customer (unique among yours)',
    ),
    env,
    async ({ client, out }, o) => {
      const i = await client.identities.create({ ...inputOf(o), external_id: o.externalId })
      out.result(i, () => out.line(identityFields(i)))
    },
  )

  remoteAction<{ externalId?: string; limit?: number }>(
    remoteOptions(ids.command('list').description('list identities (newest first)'))
      .option('--external-id <id>', 'only this one')
      .option('--limit <n>', 'at most this many (at most 100)', parse.upTo(100)),
    env,
    async ({ client, out }, o) => {
      const list = await client.identities.list({
        ...(o.externalId !== undefined && { external_id: o.externalId }),
        ...(o.limit !== undefined && { limit: o.limit }),
      })
      out.result({ identities: list }, () => out.line(identityTable(list)))
    },
  )
}

/** `identities get|update|delete`. */
function registerIdentityEdit(ids: Command, env: Env): void {
  remoteAction<object, [string]>(
    remoteOptions(ids.command('get').description('show one identity').argument('<id>', 'identity id', parse.id)),
    env,
    async ({ client, out }, _o, id) => {
      const i = await client.identities.get(id)
      out.result(i, () => out.line(`${identityFields(i)}\n\n${limitsTable(i.ratelimits)}`))
    },
  )

  remoteAction<IdentityFlags & { clear?: string[] }, [string]>(
    identityOptions(
      remoteOptions(ids.command('update').description('change an identity').argument('<id>', 'identity id', parse.id)),
    )
      .option('--external-id <id>', 'new external id')
      .option('--clear <fields>', 'comma-separated: ratelimits, remaining, refill', parse.list),
    env,
    async ({ client, out }, o, id) => {
      const patch = { ...inputOf(o), ...clearedFields(o.clear ?? []) }
      if (Object.keys(patch).length === 0)
        throw new UsageError(
          'nothing to update: give at least one of --external-id, --meta, --ratelimit, --remaining, --refill, --clear.',
        )
      const i = await client.identities.update(id, patch)
      out.result(i, () => out.line(identityFields(i)))
    },
  )

  remoteAction<object, [string]>(
    remoteOptions(
      ids
        .command('delete')
        .description('delete an identity (its keys stay, unlinked)')
        .argument('<id>', 'identity id', parse.id),
    ),
    env,
    async ({ client, out }, _o, id) => {
      await client.identities.delete(id)
      out.result({ deleted: Number(id) }, () => out.note(`Deleted identity ${id}; its keys are unlinked.`))
    },
  )
}

function clearedFields(names: string[]): UpdateIdentityInput {
  const patch: UpdateIdentityInput = {}
  for (const n of names) {
    if (n === 'ratelimits') patch.ratelimits = []
    else if (n === 'remaining') patch.remaining = null
    else if (n === 'refill') patch.refill = null
    else throw new UsageError(`--clear: unknown field "${n}" (one of ratelimits, remaining, refill)`)
  }
  return patch
}

const identityFields = (i: Identity) =>
  fields([
    ['id', String(i.id)],
    ['external id', i.external_id],
    ['meta', JSON.stringify(i.meta)],
    ['rate limits', limitsLine(i.ratelimits)],
    ['remaining', i.remaining === null ? '-' : String(i.remaining)],
    ['refill', i.refill ? `reset to ${i.refill.amount} every ${i.refill.interval_s}s` : '-'],
    ['created', when(i.created_at)],
    ['updated', when(i.updated_at)],
  ])

const identityTable = (list: Identity[]) =>
  table(
    ['ID', 'EXTERNAL ID', 'LIMITS', 'REMAINING', 'CREATED'],
    list.map((i) => [
      String(i.id),
      i.external_id,
      limitsLine(i.ratelimits),
      i.remaining === null ? '-' : String(i.remaining),
      when(i.created_at),
    ]),
  )
