import { canSeeOwner, requireManageOwner, sameTenant } from '../../core/authz.js'
import { KeywardError, notFound } from '../../core/errors.js'
import type { Identity, Owner } from '../../core/types.js'
import type { ActorRepository } from '../../store/actor-repository.js'
import type { IdentityRepository } from '../../store/identity-repository.js'
import type { RequestContext } from '../context.js'

/**
 * Who may see an identity: whoever may see its owner, by `canSeeOwner` in core/authz.ts — the
 * rule keys follow; listings use its store twin `visibleActors` (store/visibility.ts). Anything
 * else answers 404, as for keys. Who may change, delete or link keys to it: whoever may manage
 * its owner (`canManageOwner`; its creator is its owner, whose keys created it), else 403 — a
 * viewer lifted an organization's shared limits (a tester's find); and a key joins only an
 * identity of its own tenant (`sameTenant`).
 */
export class IdentityAccess {
  constructor(
    private readonly identities: Pick<IdentityRepository, 'findById'>,
    private readonly actors: Pick<ActorRepository, 'ownerOfActor'>,
  ) {}

  /** The identity and its owner when the caller may see it, else 404 (ids of others cannot be probed). */
  async findVisible(ctx: RequestContext, id: number): Promise<{ identity: Identity; owner: Owner }> {
    const identity = await this.identities.findById(id)
    const owner = identity && (await this.actors.ownerOfActor(identity.ownerActorId))
    if (!identity || !owner || !canSeeOwner(ctx.principal, owner)) throw notFound('identity')
    return { identity, owner }
  }

  /** `findVisible`, then 403 unless the caller may change it. */
  async findManageable(ctx: RequestContext, id: number): Promise<{ identity: Identity; owner: Owner }> {
    const found = await this.findVisible(ctx, id)
    requireManageOwner(ctx.principal, found.owner, found.identity.ownerActorId)
    return found
  }

  /** 404 unless the caller sees this identity, 403 unless they may change it or a key of `keyOwner` may not join it. */
  async requireLinkable(ctx: RequestContext, id: number, keyOwner: Owner): Promise<void> {
    const { owner } = await this.findManageable(ctx, id)
    if (!sameTenant(keyOwner, owner))
      throw new KeywardError('forbidden', "a key joins only an identity of its own organization, or its person's own")
  }
}
