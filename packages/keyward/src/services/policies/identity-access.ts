import { canSeeOwner } from '../../core/authz.js'
import { notFound } from '../../core/errors.js'
import type { Identity, Owner } from '../../core/types.js'
import type { ActorRepository } from '../../store/actor-repository.js'
import type { IdentityRepository } from '../../store/identity-repository.js'
import type { RequestContext } from '../context.js'

/**
 * Who may see (and so manage, or link keys to) an identity: whoever may see its owner, by
 * `canSeeOwner` in core/authz.ts — the rule keys follow; listings use its store twin
 * `visibleActors` (store/visibility.ts). Anything else answers 404, as for keys.
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

  /** 404 unless the caller may link a key to this identity (they must be able to see it). */
  async requireLinkable(ctx: RequestContext, id: number): Promise<void> {
    await this.findVisible(ctx, id)
  }
}
