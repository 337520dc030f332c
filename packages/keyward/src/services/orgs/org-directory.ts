import { canSeeOrganization } from '../../core/authz.js'
import { notFound } from '../../core/errors.js'
import type { Principal } from '../../core/types.js'
import type { Organization, OrgRepository } from '../../store/org-repository.js'

/**
 * Finds organizations as a principal may name them: by id or handle, and only those it
 * belongs to (instance admins: all). An organization the caller is not in does not exist
 * for it (404), exactly as for keys (`canSeeOwner` in core/authz.ts).
 */
export class OrgDirectory {
  constructor(private readonly orgs: OrgRepository) {}

  /** The organization `ref` (an id, or a handle) if the principal belongs to it, else 404. */
  async visible(p: Principal, ref: number | string): Promise<Organization> {
    const org = typeof ref === 'number' ? await this.orgs.find(ref) : await this.orgs.findByHandle(ref.toLowerCase())
    if (!org || !canSeeOrganization(p, org.id)) throw notFound('organization')
    return org
  }

  /** Where a user's new thing goes: the organization asked for, else the caller's personal one. */
  async targetOrganization(p: Principal, id: number | undefined): Promise<Organization> {
    if (id !== undefined) return this.visible(p, id)
    const personal = await this.orgs.findPersonal(p.owner.userId)
    if (!personal) throw notFound('organization')
    return personal
  }
}
