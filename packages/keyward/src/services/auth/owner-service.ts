import { randomBytes } from 'node:crypto'
import {
  canManageApplications,
  canRemoveDevice,
  canSeeOwner,
  requireManageOwner,
  requireOrgRole,
  requireScope,
  visibleOrgIds,
} from '../../core/authz.js'
import type { Clock } from '../../core/clock.js'
import { fleetSlug } from '../../core/fleet-slug.js'
import { KeywardError, notFound } from '../../core/errors.js'
import type { Application, Device } from '../../core/types.js'
import type { ActorRepository } from '../../store/actor-repository.js'
import type { FleetStep } from '../../store/fleet-removal.js'
import { isUniqueViolation } from '../../store/database.js'
import type { AuditLog } from './audit-log.js'
import type { RequestContext } from '../context.js'
import { yieldToLoop } from '../keys/chunked-writes.js'
import { type VerifyCache, credentialTag } from '../keys/verify-cache.js'
import type { OrgDirectory } from '../orgs/org-directory.js'

/** 32 lower-case hex characters, the uuid form balena uses for devices and applications. */
export const newUuid = (): string => randomBytes(16).toString('hex')

/** Applications (fleets) and their devices: the non-user actors that own keys. */
export class OwnerService {
  constructor(
    private readonly actors: ActorRepository,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly orgs: Pick<OrgDirectory, 'targetOrganization'>,
    private readonly cache: Pick<VerifyCache, 'invalidate'>,
  ) {}

  /**
   * An application in `organization_id` (default: the caller's personal organization), where the
   * caller must be at least a member; its slug is `<organization handle>/<name>` (balena's fleet slug).
   */
  async createApplication(
    ctx: RequestContext,
    input: { name: string; organization_id?: number },
  ): Promise<Application> {
    requireScope(ctx.principal, 'applications:write')
    const p = ctx.principal
    if (p.owner.kind !== 'user') throw new KeywardError('forbidden', 'only users can create applications')
    const owner = await this.actors.findUserById(p.owner.id)
    if (!owner) throw new KeywardError('unauthorized', 'the calling user no longer exists')
    const org = await this.orgs.targetOrganization(p, input.organization_id)
    requireOrgRole(p, org.id, 'member')
    const slug = fleetSlug(org.handle, input.name)
    try {
      const app = await this.actors.createApplication({
        uuid: newUuid(),
        name: input.name,
        ownerUserId: owner.id,
        organizationId: org.id,
        at: this.clock.now().toISOString(),
      })
      await this.audit.record(
        ctx,
        'application.create',
        { type: 'application', id: app.id, ownerActorId: app.actorId },
        { slug: app.slug },
      )
      return app
    } catch (e) {
      if (isUniqueViolation(e))
        throw new KeywardError('conflict', `an application "${slug}" already exists`, { details: { field: 'name' } })
      throw e
    }
  }

  async getApplication(ctx: RequestContext, id: number): Promise<Application> {
    requireScope(ctx.principal, 'applications:read')
    const owner = await this.actors.ownerOf('application', id)
    if (!owner || !canSeeOwner(ctx.principal, owner)) throw notFound('application')
    return (await this.actors.findApplication(id))!
  }

  /** Renames an application (`canManageApplications`); its slug follows: `<organization handle>/<name>`. */
  async renameApplication(ctx: RequestContext, id: number, name: string): Promise<Application> {
    const app = await this.applicationToManage(ctx, id)
    try {
      const renamed = await this.actors.renameApplication(app.id, name)
      if (!renamed) throw notFound('application')
      await this.audit.record(ctx, 'application.update', applicationTarget(app), {
        slug: renamed.slug,
        previous_slug: app.slug,
      })
      return renamed
    } catch (e) {
      if (!isUniqueViolation(e)) throw e
      // Slugs fold case: "Fleet" and "fleet" are one name here.
      throw new KeywardError('conflict', `this organization already has an application named "${name}"`, {
        details: { field: 'name' },
      })
    }
  }

  /**
   * Deletes an application (`canManageApplications`) with its devices and every key of both, each key with its
   * `key.deleted` event (the organization's members hear of each: migration 0039), evicted on every node chunk by
   * chunk as it commits (`fleet-removal.ts`). Interrupted, it is retried as it is: each step ends only what is left.
   */
  async deleteApplication(ctx: RequestContext, id: number): Promise<void> {
    const app = await this.applicationToManage(ctx, id)
    await this.actors.refuseIdentityOwners({ app })
    const now = this.clock.now()
    const ended = { keys: 0, devices: 0 }
    const tally = async (r: FleetStep) => {
      await this.cache.invalidate(r.hashes)
      ended.keys += r.removed
      ended.devices += r.devices
    }
    let r = await this.actors.removeApplicationStep(app, now)
    while (r.ended + r.devices > 0) {
      await tally(r)
      await yieldToLoop()
      r = await this.actors.removeApplicationStep(app, now)
    }
    await tally(await this.actors.removeApplication(app, now))
    await this.evictHolders(app)
    const org = await this.actors.ownerOf('organization', app.organizationId)
    // Its trail is its organization's: the application's own actor is no one's to read once it is gone.
    const target = { ...applicationTarget(app), ownerActorId: org?.actorId ?? app.actorId }
    await this.audit.record(ctx, 'application.delete', target, { slug: app.slug, ...ended })
  }

  /**
   * Evicts, on every node, every cached key of the people the application's keys are indexed under (`holderOf` in
   * verify-cache.ts: its creator, or its personal organization's person). Each step evicted what it ended; a step
   * whose eviction failed after its commit (a lost bus, a node stopped) left those keys cached VALID, and a retried
   * deletion no longer finds them to evict (helper-124). Once per deletion; those people's other keys re-read once.
   */
  private async evictHolders(app: Application): Promise<void> {
    const personal = await this.actors.personalUserOf(app.organizationId)
    const holders = personal === null ? [app.ownerUserId] : [app.ownerUserId, personal]
    await this.cache.invalidate(holders.map((u) => credentialTag.user(u)))
  }

  /** The application `id`, if the caller sees it (else 404) and may rename or delete it (else 403). */
  private async applicationToManage(ctx: RequestContext, id: number): Promise<Application> {
    requireScope(ctx.principal, 'applications:write')
    const owner = await this.actors.ownerOf('application', id)
    if (!owner || !canSeeOwner(ctx.principal, owner)) throw notFound('application')
    if (!canManageApplications(ctx.principal, owner.organizationId!))
      throw new KeywardError(
        'forbidden',
        "only an admin or owner of the application's organization may rename or delete it",
      )
    const app = await this.actors.findApplication(id)
    if (!app) throw notFound('application')
    return app
  }

  /** Applications the caller sees, newest first; with `orgId`, only that organization's (none if not seen). */
  async listApplications(ctx: RequestContext, limit = 100, beforeId?: number, orgId?: number): Promise<Application[]> {
    requireScope(ctx.principal, 'applications:read')
    const p = ctx.principal
    if (p.owner.kind !== 'user' && p.owner.kind !== 'organization') {
      const app = p.owner.applicationId === null ? undefined : await this.actors.findApplication(p.owner.applicationId)
      const listed =
        app && (beforeId === undefined || app.id < beforeId) && (orgId ?? app.organizationId) === app.organizationId
      return listed ? [app] : []
    }
    const visible = visibleOrgIds(p)
    const orgIds = orgId === undefined ? visible : visible === null || visible.includes(orgId) ? [orgId] : []
    return this.actors.listApplications(orgIds, Math.min(limit, 500), beforeId)
  }

  async createDevice(
    ctx: RequestContext,
    input: { application_id: number; name?: string | null; uuid?: string },
    registeredWithKeyId: number | null = null,
  ): Promise<Device> {
    requireScope(ctx.principal, 'devices:write')
    await this.getApplicationForWrite(ctx, input.application_id)
    try {
      const device = await this.actors.createDevice({
        uuid: (input.uuid ?? newUuid()).toLowerCase(),
        name: input.name ?? null,
        applicationId: input.application_id,
        registeredWithKeyId,
        at: this.clock.now().toISOString(),
      })
      await this.audit.record(
        ctx,
        'device.create',
        { type: 'device', id: device.id, ownerActorId: device.actorId },
        { uuid: device.uuid },
      )
      return device
    } catch (e) {
      if (isUniqueViolation(e))
        throw new KeywardError('conflict', 'a device with this uuid already exists', { details: { field: 'uuid' } })
      throw e
    }
  }

  /**
   * Deletes a device (`canRemoveDevice`) with its keys, each with its `key.deleted` event, evicted on every node as
   * each chunk commits (`removeDeviceStep`). Its audit entry belongs to its application, whose trail members read.
   */
  async deleteDevice(ctx: RequestContext, id: number): Promise<void> {
    requireScope(ctx.principal, 'devices:write')
    const owner = await this.actors.ownerOf('device', id)
    if (!owner || !canSeeOwner(ctx.principal, owner)) throw notFound('device')
    if (!canRemoveDevice(ctx.principal, owner))
      throw new KeywardError(
        'forbidden',
        "only members of the device's organization (and above) may delete it, not its fleet's keys",
      )
    const device = await this.actors.findDevice(id)
    const app = device && (await this.actors.findApplication(device.applicationId))
    if (!device || !app) throw notFound('device')
    await this.actors.refuseIdentityOwners({ deviceActorId: device.actorId })
    const now = this.clock.now()
    let keys = 0
    for (;;) {
      const r = await this.actors.removeDeviceStep(device, now)
      await this.cache.invalidate(r.hashes)
      keys += r.removed
      if (r.devices > 0 || r.ended === 0) break
      await yieldToLoop()
    }
    await this.evictHolders(app)
    const target = { type: 'device' as const, id: device.id, ownerActorId: app.actorId }
    await this.audit.record(ctx, 'device.delete', target, { uuid: device.uuid, keys })
  }

  /**
   * Undoes `createDevice` when what had to follow it failed (a device registration
   * whose key could not be stored): a device without a key must not remain.
   */
  async discardDevice(ctx: RequestContext, device: Device, reason: string): Promise<void> {
    await this.actors.deleteDevice(device.id)
    await this.audit.record(
      ctx,
      'device.delete',
      { type: 'device', id: device.id, ownerActorId: device.actorId },
      { uuid: device.uuid, reason },
    )
  }

  private async getApplicationForWrite(ctx: RequestContext, id: number): Promise<void> {
    const owner = await this.actors.ownerOf('application', id)
    if (!owner || !canSeeOwner(ctx.principal, owner)) throw notFound('application')
    if (ctx.principal.owner.kind === 'device') throw new KeywardError('forbidden', 'a device cannot create devices')
    requireManageOwner(ctx.principal, owner, null)
  }

  async getDevice(ctx: RequestContext, id: number): Promise<Device> {
    requireScope(ctx.principal, 'devices:read')
    const owner = await this.actors.ownerOf('device', id)
    if (!owner || !canSeeOwner(ctx.principal, owner)) throw notFound('device')
    return (await this.actors.findDevice(id))!
  }

  /** Devices the caller sees, newest first; with `organization_id`, only that organization's (none if not seen). */
  async listDevices(
    ctx: RequestContext,
    f: { application_id?: number; organization_id?: number; limit?: number; beforeId?: number },
  ): Promise<Device[]> {
    requireScope(ctx.principal, 'devices:read')
    return this.actors.listDevices(ctx.principal, {
      applicationId: f.application_id,
      organizationId: f.organization_id,
      limit: Math.min(f.limit ?? 100, 500),
      beforeId: f.beforeId,
    })
  }
}

const applicationTarget = (app: Application) => ({
  type: 'application' as const,
  id: app.id,
  ownerActorId: app.actorId,
})
