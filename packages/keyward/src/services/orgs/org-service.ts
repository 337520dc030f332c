import type { AuditAction } from '../../core/audit-actions.js'
import { requireOrgRole, requireScope, visibleOrgIds } from '../../core/authz.js'
import type { Clock } from '../../core/clock.js'
import { KeywardError } from '../../core/errors.js'
import { isUniqueViolation, uniqueViolationTable } from '../../store/database.js'
import type { Organization, OrgRepository } from '../../store/org-repository.js'
import type { Principal } from '../../core/types.js'
import type { AuditLog } from '../auth/audit-log.js'
import type { SessionCache } from '../auth/session-cache.js'
import type { VerifyCache } from '../keys/verify-cache.js'
import { yieldToLoop } from '../keys/chunked-writes.js'
import type { RequestContext } from '../context.js'
import type { OrgDirectory } from './org-directory.js'
import { type HandleRefusals, handleTaken } from './handle-refusals.js'

/** Handles: lower-case letters, digits, `-` and `_`, starting with a letter or digit (they appear in fleet slugs). */
export const HANDLE_PATTERN = '^[a-z0-9][a-z0-9_-]{0,63}$'

/**
 * Organizations (issue 14): any user creates one (and owns it); members read it; admins
 * rename it; owners delete it. Who may do what is `requireOrgRole` (core/authz.ts).
 */
export class OrgService {
  constructor(
    private readonly orgs: OrgRepository,
    readonly directory: OrgDirectory,
    private readonly sessions: Pick<SessionCache, 'forgetUser'>,
    private readonly cache: Pick<VerifyCache, 'invalidate'>,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly refusals: HandleRefusals,
  ) {}

  async create(ctx: RequestContext, input: { name: string; handle: string }): Promise<Organization> {
    const p = ctx.principal
    requireScope(p, 'organizations:write')
    if (p.owner.kind !== 'user') throw new KeywardError('forbidden', 'only users can create organizations')
    const at = this.clock.now().toISOString()
    const org = await this.taking(p, input.handle, () => this.orgs.create({ ...input, ownerUserId: p.owner.id, at }))
    await this.sessions.forgetUser(p.owner.id) // the creator's roles now include it, on every node
    await this.record(ctx, org, 'organization.create', { handle: org.handle })
    return org
  }

  async list(ctx: RequestContext): Promise<Organization[]> {
    requireScope(ctx.principal, 'organizations:read')
    return this.orgs.list(visibleOrgIds(ctx.principal))
  }

  async get(ctx: RequestContext, ref: number | string): Promise<Organization> {
    requireScope(ctx.principal, 'organizations:read')
    return this.directory.visible(ctx.principal, ref)
  }

  async update(ctx: RequestContext, id: number, patch: { name?: string; handle?: string }): Promise<Organization> {
    requireScope(ctx.principal, 'organizations:write')
    const org = await this.directory.visible(ctx.principal, id)
    requireOrgRole(ctx.principal, org.id, 'admin')
    const updated = await this.taking(
      ctx.principal,
      patch.handle,
      async () => (await this.orgs.update(org.id, patch)) ?? org,
    )
    await this.record(ctx, org, 'organization.update', { fields: Object.keys(patch) })
    return updated
  }

  /**
   * Owners delete an organization that owns no applications (move or delete them first: their
   * devices and keys must not vanish with it). Its own keys are deleted, each with its
   * `key.deleted` event, and evicted on every node.
   */
  async delete(ctx: RequestContext, id: number): Promise<void> {
    requireScope(ctx.principal, 'organizations:write')
    const org = await this.directory.visible(ctx.principal, id)
    requireOrgRole(ctx.principal, org.id, 'owner')
    if (org.personalUserId !== null) throw new KeywardError('conflict', 'a personal organization cannot be deleted')
    const members = await this.orgs.members(org.id)
    const now = this.clock.now()
    if (!(await this.orgs.markDeleting(org.id, now)))
      throw new KeywardError('conflict', 'the organization still owns applications; delete them first')
    // Chunk by chunk (store/owned-keys.ts), each evicted on every node as it commits.
    for (let r = await this.orgs.deleteKeys(org, now); r.ended > 0; r = await this.orgs.deleteKeys(org, now)) {
      await this.cache.invalidate(r.hashes)
      await yieldToLoop()
    }
    await this.cache.invalidate(await this.orgs.delete(org, now))
    for (const m of members) await this.sessions.forgetUser(m.userId)
    await this.record(ctx, org, 'organization.delete', { handle: org.handle })
  }

  /** Audit of an organization change: its trail belongs to the organization's actor, so its members read it. */
  record(ctx: RequestContext, org: Organization, action: AuditAction, details: Record<string, unknown>): Promise<void> {
    return this.audit.record(ctx, action, { type: 'organization', id: org.id, ownerActorId: org.actorId }, details)
  }

  /**
   * A handle taken by another organization, or (a rename) a fleet slug it would give that another application
   * holds. Only a slug migration 0038 could not move (its current form was taken) holds a handle no organization
   * has; the refusal then tells the renaming organization that an application of that name sits under that old
   * handle, as the handle message did before (it was wrong, not silent), so each refusal now says which it is.
   */
  private async unique<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write()
    } catch (e) {
      if (!isUniqueViolation(e)) throw e
      const message =
        uniqueViolationTable(e) === 'application'
          ? "another application holds a fleet slug this handle would give this organization's applications"
          : 'an organization with this handle already exists'
      throw handleTaken(message)
    }
  }

  /** `write` under `unique`; one that asks for a handle spends the caller's budget when refused (`HandleRefusals`). */
  private taking<T>(p: Principal, handle: string | undefined, write: () => Promise<T>): Promise<T> {
    const unique = () => this.unique(write)
    return handle === undefined ? unique() : this.refusals.guard(p, unique)
  }
}
