import type { AuditAction } from '../../core/audit-actions.js'
import { lookup } from 'node:dns/promises'
import { canManageWebhook, requireAdmin, requireMayConfigureWebhook, requireScope } from '../../core/authz.js'
import { type Clock, epochMs } from '../../core/clock.js'
import { KeywardError, notFound, rotatedMeanwhile } from '../../core/errors.js'
import type { ActorRepository } from '../../store/actor-repository.js'
import type { KeyRepository } from '../../store/key-repository.js'
import type { KeyEventType } from '../../store/key-event-repository.js'
import type { WebhookRow } from '../../store/schema.js'
import { visibleWebhookOwner } from '../../store/visibility.js'
import type { DeliveryListing, WebhookRepository } from '../../store/webhook-repository.js'
import type { AuditLog } from '../auth/audit-log.js'
import { type RequestContext, producerOf } from '../context.js'
import type { WebhookDispatcher } from './dispatcher.js'
import type { SecretBox } from './secret-box.js'
import { newWebhookSecret } from './signature.js'
import { makerOf } from '../../core/producer.js'
import { PRIVATE_HINT, isRefusedAddress, parseTarget, refusedTarget } from './target.js'

export interface CreateWebhookInput {
  url: string
  events: KeyEventType[]
  description?: string | null
  /** The user the webhook belongs to (admins only; default: the caller). */
  owner?: { kind: 'user'; id: number }
}

export interface UpdateWebhookInput {
  url?: string
  events?: KeyEventType[]
  description?: string | null
}

/**
 * Webhook use cases. Who may do what is `canManageWebhook` (core/authz.ts) and its list twin
 * `visibleWebhookOwner` (store/visibility.ts); what a webhook then receives is bounded by its
 * owner's visibility at fan-out (store/webhook-outbox.ts). Another user's webhook is a 404.
 * The signing secret is returned by `create` and `rotateSecret` only, and stored sealed.
 */
export class WebhookService {
  constructor(
    private readonly repo: WebhookRepository,
    private readonly actors: ActorRepository,
    private readonly box: Promise<SecretBox>,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly dispatcher: Pick<WebhookDispatcher, 'poke'>,
    private readonly allowPrivate: boolean,
    private readonly keys: Pick<KeyRepository, 'findById'>,
  ) {}

  async create(ctx: RequestContext, input: CreateWebhookInput): Promise<{ webhook: WebhookRow; secret: string }> {
    requireScope(ctx.principal, 'webhooks:write')
    const userId = await this.ownerOf(ctx, input.owner)
    const configuredBy = await this.configurer(ctx)
    await this.checkTarget(input.url)
    const secret = newWebhookSecret()
    const now = this.clock.now().toISOString()
    const webhook = await this.repo.insert(
      {
        user_id: userId,
        url: input.url,
        events: JSON.stringify(input.events),
        description: input.description ?? null,
        secret: (await this.box).seal(secret),
        previous_secret: null,
        previous_secret_expires_at: null,
        line_ended_by_key_id: null,
        created_at: now,
        updated_at: now,
        ...configuredBy,
      },
      makerOf(ctx.principal),
    )
    await this.record(ctx, 'webhook.create', webhook, { url: input.url, events: input.events })
    return { webhook, secret }
  }

  list(ctx: RequestContext): Promise<WebhookRow[]> {
    requireScope(ctx.principal, 'webhooks:read')
    return this.repo.list(visibleWebhookOwner(ctx.principal))
  }

  async get(ctx: RequestContext, id: number): Promise<WebhookRow> {
    requireScope(ctx.principal, 'webhooks:read')
    return this.findManageable(ctx, id)
  }

  async update(ctx: RequestContext, id: number, input: UpdateWebhookInput): Promise<WebhookRow> {
    requireScope(ctx.principal, 'webhooks:write')
    const hook = await this.findManageable(ctx, id)
    // Where it sends and what it reads are its configuration; a description is not. Who may
    // configure is decided before the target is looked up: no refused caller probes DNS.
    const reconfigured = input.url !== undefined || input.events !== undefined
    const configuredBy = reconfigured ? await this.configurer(ctx) : {}
    if (input.url !== undefined) await this.checkTarget(input.url)
    const updated = await this.repo.update(
      hook.id,
      {
        ...configuredBy,
        ...(input.url !== undefined && { url: input.url }),
        ...(input.events !== undefined && { events: JSON.stringify(input.events) }),
        ...(input.description !== undefined && { description: input.description }),
        updated_at: this.clock.now().toISOString(),
      },
      reconfigured ? makerOf(ctx.principal) : undefined,
    )
    if (!updated) throw notFound('webhook')
    await this.record(ctx, 'webhook.update', updated, { fields: Object.keys(input) })
    return updated
  }

  async delete(ctx: RequestContext, id: number): Promise<void> {
    requireScope(ctx.principal, 'webhooks:write')
    const hook = await this.findManageable(ctx, id)
    await this.repo.delete(hook.id)
    await this.record(ctx, 'webhook.delete', hook)
  }

  /**
   * A new signing secret, returned once. The old one stops signing at once, or signs beside it for
   * `graceS` seconds (deliveries carry both signatures) while the receiver switches. A webhook
   * keeps one replaced secret: a rotation drops any older one, so a leaked secret ends with a
   * rotation of grace 0 (test/webhooks/rotation-overlap).
   */
  async rotateSecret(ctx: RequestContext, id: number, graceS = 0): Promise<{ webhook: WebhookRow; secret: string }> {
    requireScope(ctx.principal, 'webhooks:write')
    const hook = await this.findManageable(ctx, id)
    const configuredBy = await this.configurer(ctx)
    const secret = newWebhookSecret()
    const now = this.clock.now()
    // A new secret takes the webhook back from a line a minted revoke ended (`configuringLineLapse`), with no
    // overlap: the old one is the secret the line's login may have been shown (an attacker's find: a grace rotation
    // kept it signing), so a grace period is a 409. A mark written after this read is left for the next rotation.
    const retake = hook.line_ended_by_key_id !== null
    if (retake && graceS > 0)
      throw new KeywardError(
        'conflict',
        'its secret may be known to a login of a key revoked with what it made: rotate it without a grace period',
      )
    const overlap = graceS > 0
    const previous = {
      previous_secret: overlap ? hook.secret : null,
      previous_secret_expires_at: overlap ? new Date(now.getTime() + graceS * 1000).toISOString() : null,
    }
    const sealed = (await this.box).seal(secret)
    const patch = {
      secret: sealed,
      ...previous,
      ...configuredBy,
      ...(retake && { line_ended_by_key_id: null }),
      updated_at: now.toISOString(),
    }
    const webhook = await this.repo.replaceSecret(hook.id, hook.secret, patch, makerOf(ctx.principal), retake)
    if (!webhook) throw (await this.repo.findById(hook.id)) ? rotatedMeanwhile() : notFound('webhook')
    await this.record(ctx, 'webhook.rotate_secret', webhook, { grace_period_s: graceS })
    return { webhook, secret }
  }

  /**
   * Ends a rotation's overlap now: the replaced secret stops signing from the next delivery attempt on (the
   * dispatcher reads the secrets at each one), for a replaced secret found exposed, without rotating again
   * (every receiver would switch twice). It only takes away, so it asks no more than a rotation. Nothing to end:
   * the webhook as it is, nothing recorded. Only the overlap it read: a rotation landing in between started a
   * new one, which this must not end (409, as `KeyService.endGrace`).
   */
  async endOverlap(ctx: RequestContext, id: number): Promise<WebhookRow> {
    requireScope(ctx.principal, 'webhooks:write')
    const hook = await this.findManageable(ctx, id)
    const end = hook.previous_secret_expires_at
    if (hook.previous_secret === null || end === null || Date.parse(end) <= epochMs(this.clock)) return hook
    const patch = {
      previous_secret: null,
      previous_secret_expires_at: null,
      updated_at: this.clock.now().toISOString(),
    }
    const webhook = await this.repo.replaceSecret(hook.id, hook.secret, patch, null, false) // ends a secret only
    if (!webhook) throw (await this.repo.findById(hook.id)) ? rotatedMeanwhile() : notFound('webhook')
    await this.record(ctx, 'webhook.end_overlap', webhook, { previous_secret_expires_at: end })
    return webhook
  }

  /** Queues a `webhook.test` event to this webhook alone; returns its delivery. */
  async test(ctx: RequestContext, id: number): Promise<DeliveryListing> {
    requireScope(ctx.principal, 'webhooks:write')
    const hook = await this.findManageable(ctx, id)
    const deliveryId = await this.repo.enqueueTest(hook.id, { webhook_id: hook.id }, this.clock.now().toISOString())
    this.dispatcher.poke()
    return (await this.repo.findDelivery(hook.id, deliveryId))!
  }

  async deliveries(ctx: RequestContext, id: number, limit = 50): Promise<DeliveryListing[]> {
    requireScope(ctx.principal, 'webhooks:read')
    const hook = await this.findManageable(ctx, id)
    return this.repo.deliveries(hook.id, Math.min(limit, 200))
  }

  /** Sends a delivery again (whatever its state), with a fresh 24 h of retries. */
  async redeliver(ctx: RequestContext, id: number, deliveryId: number): Promise<DeliveryListing> {
    requireScope(ctx.principal, 'webhooks:write')
    const hook = await this.findManageable(ctx, id)
    if (!(await this.repo.findDelivery(hook.id, deliveryId))) throw notFound('delivery')
    await this.repo.redeliver(deliveryId, this.clock.now().toISOString())
    this.dispatcher.poke()
    return (await this.repo.findDelivery(hook.id, deliveryId))!
  }

  /**
   * Who a configuration comes from — the user, and the key they used (null: a session) — once
   * they may configure a webhook at all (`requireMayConfigureWebhook`); called after the webhook
   * is found, so another's stays a 404. Deliveries then last while they could do it again.
   */
  private async configurer(
    ctx: RequestContext,
  ): Promise<Pick<WebhookRow, 'configured_by_user_id' | 'configured_by_key_id'>> {
    requireMayConfigureWebhook(await producerOf(ctx, this.keys))
    const p = ctx.principal
    return { configured_by_user_id: p.owner.kind === 'user' ? p.owner.id : null, configured_by_key_id: p.keyId }
  }

  /** A webhook the caller may manage, or 404 (also for others' webhooks: ids cannot be probed). */
  private async findManageable(ctx: RequestContext, id: number): Promise<WebhookRow> {
    const hook = await this.repo.findById(id)
    const owner = hook && (await this.actors.ownerOf('user', hook.user_id))
    if (!hook || !owner || !canManageWebhook(ctx.principal, owner)) throw notFound('webhook')
    return hook
  }

  /** The owning user: the caller, or (admins) the user named. Webhooks belong to users only. */
  private async ownerOf(ctx: RequestContext, ref: CreateWebhookInput['owner']): Promise<number> {
    const p = ctx.principal
    if (p.owner.kind !== 'user')
      throw new KeywardError(
        'forbidden',
        'webhooks belong to users: application and device credentials cannot manage them',
      )
    if (!ref || ref.id === p.owner.id) return p.owner.id
    requireAdmin(p)
    if (!(await this.actors.ownerOf('user', ref.id))) throw notFound('user')
    return ref.id
  }

  /** Refuses a URL whose host is, or resolves to, an address the SSRF guard refuses (checked again at each attempt). */
  private async checkTarget(raw: string): Promise<void> {
    const url = parseTarget(raw, this.allowPrivate)
    if (this.allowPrivate) return
    const host = url.hostname.replace(/^\[|\]$/g, '')
    const addresses = await lookup(host, { all: true }).catch(() => null)
    if (!addresses) throw refusedTarget(`${host} does not resolve`)
    if (addresses.some((a) => isRefusedAddress(a.address)))
      throw refusedTarget(`${host} resolves to a loopback, link-local or private address${PRIVATE_HINT}`)
  }

  private async record(
    ctx: RequestContext,
    action: AuditAction,
    hook: WebhookRow,
    details: Record<string, unknown> = {},
  ) {
    const owner = await this.actors.ownerOf('user', hook.user_id)
    await this.audit.record(
      ctx,
      action,
      { type: 'webhook', id: hook.id, ownerActorId: owner?.actorId ?? null },
      details,
    )
  }
}
