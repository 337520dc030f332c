import { requireScope } from '../../core/authz.js'
import type { Clock } from '../../core/clock.js'
import { KeywardError, notFound } from '../../core/errors.js'
import type { ApiKey, Principal } from '../../core/types.js'
import type { ODataReader, ODataRepository, ODataRow } from '../../store/odata/query.js'
import type { ResourceName } from '../../store/odata/model.js'
import type { ODataRequest } from '../../store/odata/request.js'
import type { RequestContext } from '../context.js'
import type { CreateKeyInput, UpdateKeyInput } from './key-input.js'
import type { KeyLineage } from './key-lineage.js'
import type { KeyService } from './key-service.js'

/** Scope needed to read each resource through OData. */
const READ_SCOPE: Record<ResourceName, string> = {
  api_key: 'keys:read',
  actor: 'keys:read',
  user: 'users:read',
  application: 'applications:read',
  device: 'devices:read',
  organization: 'organizations:read',
  organization_membership: 'organizations:read',
}

/**
 * The OData view of Keyward's data (served by the balena face): queries run
 * through the OData repository, which restricts every table to what the caller
 * may see. On this view revoked keys do not exist, and keys are listed and
 * managed by users only (balena refuses provisioning and device keys here).
 */
export class ODataService {
  constructor(
    private readonly repo: ODataRepository,
    private readonly keys: KeyService,
    private readonly lineage: Pick<KeyLineage, 'revoke'>,
    private readonly clock: Clock,
  ) {}

  async select(ctx: RequestContext, req: ODataRequest): Promise<ODataRow[]> {
    return this.repo.select(this.reader(ctx, req), req, this.clock.now().toISOString())
  }

  async count(ctx: RequestContext, req: ODataRequest): Promise<number> {
    return this.repo.count(this.reader(ctx, req), req, this.clock.now().toISOString())
  }

  /**
   * The caller as the repository sees it: the root resource authorized before anything runs,
   * and every resource a navigation reaches as the repository reaches it (`ODataReader`).
   */
  private reader(ctx: RequestContext, req: ODataRequest): ODataReader {
    const principal = ctx.principal
    this.authorize(principal, req.resource)
    return { principal, mayRead: (resource) => this.authorize(principal, resource) }
  }

  /**
   * Creates a key for a user, application or device the caller owns (plaintext
   * returned once). `secret` stores a key made elsewhere (a device's own key).
   */
  async createKey(
    ctx: RequestContext,
    input: Pick<CreateKeyInput, 'owner' | 'name' | 'description' | 'expires_at'>,
    secret?: string,
  ): Promise<string> {
    this.requireUser(ctx.principal)
    // balena accepts a past expiryDate (the key is born expired); its SDK users rely on that.
    const asBalena = { ...input, allow_past_expiry: true }
    if (secret === undefined) return (await this.keys.create(ctx, asBalena)).key
    await this.keys.insertChosen(ctx, asBalena, secret, 'device_key')
    return secret
  }

  /** Updates a key listed on this view (not revoked, visible), else 404. */
  async updateKey(
    ctx: RequestContext,
    id: number,
    input: Pick<UpdateKeyInput, 'name' | 'description' | 'expires_at'>,
  ): Promise<ApiKey> {
    await this.requireListedKey(ctx, id)
    return this.keys.update(ctx, id, input)
  }

  /** Revokes a key listed on this view; the row stays (native API shows it revoked) but leaves this view. */
  async revokeKey(ctx: RequestContext, id: number): Promise<ApiKey> {
    await this.requireListedKey(ctx, id)
    return (await this.lineage.revoke(ctx, id, null)).key
  }

  private async requireListedKey(ctx: RequestContext, id: number): Promise<void> {
    const rows = await this.select(ctx, {
      resource: 'api_key',
      key: { field: 'id', value: id },
      count: false,
      options: { $select: { properties: [{ name: 'id' }] } },
      binds: [],
    })
    if (rows.length === 0) throw notFound('API key')
  }

  /** Reading `resource` on this face, directly or through a navigation: its read scope; keys, a user. */
  private authorize(p: Principal, resource: ResourceName): void {
    if (resource === 'api_key') this.requireUser(p)
    requireScope(p, READ_SCOPE[resource])
  }

  private requireUser(p: Principal): void {
    if (p.owner.kind !== 'user')
      throw new KeywardError('unauthorized', 'provisioning and device keys cannot list or manage API keys')
  }
}
