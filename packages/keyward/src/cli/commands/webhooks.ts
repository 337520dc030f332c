import type { Command } from 'commander'
import type { Webhook, WebhookDelivery, WebhookEventType, WebhookWithSecret } from '@keyward/client'
import { KEY_EVENT_TYPES } from '../../store/key-event-repository.js'
import { UsageError } from '../parse.js'
import { type Printer, fields, table, when } from '../output.js'
import { parse } from '../parse.js'
import { remoteAction, remoteOptions } from '../remote.js'

type Env = Record<string, string | undefined>

/** `keyward webhooks create|list|get|update|delete|rotate-secret|end-overlap|test|deliveries|redeliver`. */
export function registerWebhookCommands(program: Command, env: Env): void {
  const hooks = program.command('webhooks').description('manage signed webhooks (key events sent to your URL)')
  registerWebhookCreateList(hooks, env)
  registerWebhookEdit(hooks, env)
  registerWebhookDeliveries(hooks, env)
}

const idArg = (c: Command) => c.argument('<id>', 'webhook id', parse.id)

/** `webhooks create|list`. */
function registerWebhookCreateList(hooks: Command, env: Env): void {
  remoteAction<{ events: string[]; description?: string; owner?: string }, [string]>(
    remoteOptions(
      hooks
        .command('create')
        .description('subscribe a URL to key events and print its signing secret (once)')
        .argument('<target-url>', 'http(s) URL that receives the events'),
    )
      .requiredOption('--events <list>', `comma-separated: ${KEY_EVENT_TYPES.join(', ')}`, parse.list)
      .option('--description <text>', 'what it is for')
      .option('--owner <user-id>', 'admins: the user it belongs to', parse.id),
    env,
    async ({ client, out }, o, url) => {
      const created = await client.webhooks.create({
        url,
        events: eventTypes(o.events),
        ...(o.description !== undefined && { description: o.description }),
        ...(o.owner !== undefined && { owner: { kind: 'user' as const, id: Number(o.owner) } }),
      })
      printSecret(out, created, 'Created')
    },
  )

  remoteAction(remoteOptions(hooks.command('list').description('list webhooks')), env, async ({ client, out }) => {
    const all = await client.webhooks.list()
    out.result({ webhooks: all }, () =>
      out.line(
        table(
          ['ID', 'URL', 'EVENTS', 'OWNER'],
          all.map((w) => [String(w.id), w.url, w.events.join(','), `user:${w.owner.id}`]),
        ),
      ),
    )
  })
}

/** `webhooks get|update|delete`. */
function registerWebhookEdit(hooks: Command, env: Env): void {
  remoteAction<object, [string]>(
    remoteOptions(idArg(hooks.command('get').description('show one webhook'))),
    env,
    async ({ client, out }, _o, id) => {
      const w = await client.webhooks.get(Number(id))
      out.result(w, () => out.line(webhookFields(w)))
    },
  )

  remoteAction<{ target?: string; events?: string[]; description?: string }, [string]>(
    remoteOptions(idArg(hooks.command('update').description('change a webhook')))
      .option('--target <url>', 'new target URL')
      .option('--events <list>', 'comma-separated event types', parse.list)
      .option('--description <text>', 'what it is for'),
    env,
    async ({ client, out }, o, id) => {
      const w = await client.webhooks.update(Number(id), {
        ...(o.target !== undefined && { url: o.target }),
        ...(o.events !== undefined && { events: eventTypes(o.events) }),
        ...(o.description !== undefined && { description: o.description }),
      })
      out.result(w, () => out.line(webhookFields(w)))
    },
  )

  remoteAction<object, [string]>(
    remoteOptions(idArg(hooks.command('delete').description('delete a webhook and its deliveries'))),
    env,
    async ({ client, out }, _o, id) => {
      await client.webhooks.delete(Number(id))
      out.result({ deleted: Number(id) }, () => out.line(`Deleted webhook ${id}.`))
    },
  )
}

/** `webhooks rotate-secret|end-overlap|test|deliveries|redeliver`. */
function registerWebhookDeliveries(hooks: Command, env: Env): void {
  registerRotateSecret(hooks, env)
  registerEndOverlap(hooks, env)

  remoteAction<object, [string]>(
    remoteOptions(idArg(hooks.command('test').description('send a webhook.test event'))),
    env,
    async ({ client, out }, _o, id) => {
      const d = await client.webhooks.test(Number(id))
      out.result(d, () => out.line(`Queued delivery ${d.id}; see \`keyward webhooks deliveries ${id}\`.`))
    },
  )

  remoteAction<{ limit?: number }, [string]>(
    remoteOptions(
      idArg(hooks.command('deliveries').description('recent deliveries: status, attempts, response, latency')),
    ).option('--limit <n>', 'at most this many (default 50, at most 200)', parse.upTo(200)),
    env,
    async ({ client, out }, o, id) => {
      const all = await client.webhooks.deliveries(Number(id), o.limit === undefined ? {} : { limit: o.limit })
      out.result({ deliveries: all }, () => out.line(deliveryTable(all)))
    },
  )

  remoteAction<object, [string, string]>(
    remoteOptions(
      idArg(hooks.command('redeliver').description('send a delivery again')).argument(
        '<delivery-id>',
        'delivery id',
        parse.id,
      ),
    ),
    env,
    async ({ client, out }, _o, id, deliveryId) => {
      const d = await client.webhooks.redeliver(Number(id), Number(deliveryId))
      out.result(d, () => out.line(`Delivery ${d.id} queued again.`))
    },
  )
}

/** Known event types only: a typo is a usage error here, not a 400 later. */
function eventTypes(list: string[]): WebhookEventType[] {
  const known: readonly string[] = KEY_EVENT_TYPES
  const bad = list.filter((e) => !known.includes(e))
  if (bad.length) throw new UsageError(`unknown event type ${bad.join(', ')}; known: ${KEY_EVENT_TYPES.join(', ')}`)
  return list as WebhookEventType[]
}

/** Prints a signing secret once (stdout), with its warning (stderr). */
function printSecret(out: Printer, created: WebhookWithSecret, verb: string): void {
  out.result(created, () => {
    out.note(`${verb} webhook ${created.webhook.id} → ${created.webhook.url}. Its signing secret:`)
    out.line(created.secret)
    out.note('Store it now: it is shown only this once. Verify deliveries with it (Standard Webhooks).')
  })
}

const webhookFields = (w: Webhook) =>
  fields([
    ['id', String(w.id)],
    ['url', w.url],
    ['events', w.events.join(', ')],
    ['description', w.description ?? '-'],
    ['owner', `user:${w.owner.id}`],
    ...(w.previous_secret_expires_at
      ? [['old secret signs until', when(w.previous_secret_expires_at)] as [string, string]]
      : []),
    ['created', when(w.created_at)],
  ])

const deliveryTable = (all: WebhookDelivery[]) =>
  table(
    ['ID', 'EVENT', 'STATUS', 'ATTEMPTS', 'RESPONSE', 'LATENCY', 'LAST ATTEMPT', 'ERROR'],
    all.map((d) => [
      String(d.id),
      d.event_type,
      d.status,
      String(d.attempts),
      d.response_status === null ? '-' : String(d.response_status),
      d.latency_ms === null ? '-' : `${d.latency_ms} ms`,
      d.last_attempt_at ? when(d.last_attempt_at) : '-',
      d.last_error ?? '',
    ]),
  )

/** `webhooks end-overlap`: the secret the last rotation replaced stops signing now. */
function registerEndOverlap(hooks: Command, env: Env): void {
  remoteAction<object, [string]>(
    remoteOptions(
      idArg(
        hooks.command('end-overlap').description("end the last rotation's overlap now: the old secret stops signing"),
      ),
    ),
    env,
    async ({ client, out }, _o, id) => {
      // Read only for the line: the answer is the same whether there was an overlap to end (a new user's find).
      const before = await client.webhooks.get(Number(id)).then(
        (w) => w.previous_secret_expires_at,
        () => null,
      )
      const w = await client.webhooks.endOverlap(Number(id))
      const what = before ? 'only its current secret signs now' : 'there was no overlap to end'
      out.result(w, () => out.line(`Webhook ${w.id}: ${what}.`))
    },
  )
}

/** `webhooks rotate-secret`: the old secret may keep signing beside the new one while the receiver switches. */
function registerRotateSecret(hooks: Command, env: Env): void {
  remoteAction<{ gracePeriod?: number }, [string]>(
    remoteOptions(
      idArg(hooks.command('rotate-secret').description('give a webhook a new signing secret (printed once)')),
    ).option(
      '--grace-period <seconds>',
      'how long the old secret keeps signing beside the new one: 3600, or 1h, 24h (default 0, at most 7 days)',
      parse.seconds,
    ),
    env,
    async ({ client, out }, o, id) => {
      const input = o.gracePeriod === undefined ? {} : { grace_period_s: o.gracePeriod }
      const rotated = await client.webhooks.rotateSecret(Number(id), input)
      printSecret(out, rotated, 'Rotated')
      const overlapEnd = rotated.webhook.previous_secret_expires_at
      if (overlapEnd) out.note(`the old secret signs too until ${when(overlapEnd)}; switch your receiver before then`)
    },
  )
}
