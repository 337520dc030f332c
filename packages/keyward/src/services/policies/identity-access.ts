import { canSeeOwner, requireManageOwner, sameTenant } from '../../core/authz.js'
import { KeywardError, notFound } from '../../core/errors.js'
import type { Identity, Owner } from '../../core/types.js'
import type { ActorRepository } from '../../store/actor-repository.js'
import type { IdentityRepository } from '../../store/identity-repository.js'
import type { RequestContext } from '../context.js'

/**
 * Who may see an identity: whoever may see its owner, by `canSeeOwner` in core/authz.ts — the
 * rule keys follow; listings use its store twin `visibleActors` (store/visibility.ts). Anything
 * else answers 404, as for keys. Who may change or delete it: whoever may manage what its owner
 * owns with no creator of theirs (`canManageOwner`, creator null): a person their own, an
 * organization's admins and owners, an application's members and keys — not a viewer (who lifted
 * an organization's shared limits), and not an organization key, which any member can make (a
 * tester's and a reviewer's finds). Who may link a key to it: whoever sees it and may change the
 * key, for a key of its own tenant only (`sameTenant`).
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

  /** `findVisible`, then 403 unless the caller may change or delete it. */
  async findManageable(ctx: RequestContext, id: number): Promise<{ identity: Identity; owner: Owner }> {
    const found = await this.findVisible(ctx, id)
    requireManageOwner(ctx.principal, found.owner, null)
    return found
  }

  /**
   * 404 unless the caller sees this identity, 403 unless a key of `keyOwner` may join it. The
   * caller's right to change that key is the key's own check (create, PATCH, import): so a viewer,
   * who changes no key of the organization, links none, and a person's key joins none of it.
   */
  async requireLinkable(ctx: RequestContext, id: number, keyOwner: Owner): Promise<void> {
    requireSameTenant(keyOwner, (await this.findVisible(ctx, id)).owner)
  }

  /**
   * 403 unless a key of `keyOwner` may stay in identity `id`: a key made by a key of an identity
   * inherits it (rights never grow), so a key of another tenant cannot be made by it (a reviewer's find).
   */
  async requireInheritable(id: number, keyOwner: Owner): Promise<void> {
    const identity = await this.identities.findById(id)
    const owner = identity && (await this.actors.ownerOfActor(identity.ownerActorId))
    // Unresolved (deleted meanwhile): refused too, rather than let a key out of its maker's limits.
    if (!owner)
      throw new KeywardError('conflict', 'the identity of the key making this one was deleted meanwhile; retry')
    requireSameTenant(keyOwner, owner)
  }
}

function requireSameTenant(keyOwner: Owner, identityOwner: Owner): void {
  if (!sameTenant(keyOwner, identityOwner))
    throw new KeywardError('forbidden', "a key joins only an identity of its own organization, or its person's own")
}
