import { KeywardError } from './errors.js'
import type { CreateIdentityInput, Identity, ListIdentitiesFilter, UpdateIdentityInput } from './limit-types.js'
import { type Transport, idPath } from './transport.js'

/**
 * Identities: `kw.identities`. One customer's limits and credits, shared by every key linked
 * to it (`identity_id` on a key). Needs `keys:read` / `keys:write`; others' identities are 404.
 */
export class Identities {
  constructor(private readonly http: Transport) {}

  /** Creates one; `conflict` (409) when the owner already has this `external_id`. */
  create(input: CreateIdentityInput): Promise<Identity> {
    return this.http.request<Identity>('POST', '/v1/identities', { body: input })
  }

  /** Identities the caller may see, newest first. */
  async list(filter: ListIdentitiesFilter = {}): Promise<Identity[]> {
    const r = await this.http.request<{ identities: Identity[] }>('GET', '/v1/identities', { query: { ...filter } })
    return r.identities
  }

  /** One by id; `not_found` (404) when missing or not the caller's to see. */
  get(id: number | string): Promise<Identity> {
    return this.http.request<Identity>('GET', idPath('/v1/identities', id))
  }

  /** The caller's identity with this `external_id`; `not_found` when there is none. */
  async find(externalId: string): Promise<Identity> {
    const [found] = await this.list({ external_id: externalId, limit: 1 })
    if (!found) throw new KeywardError('not_found', `identity "${externalId}" not found`, { status: 404 })
    return found
  }

  update(id: number | string, patch: UpdateIdentityInput): Promise<Identity> {
    return this.http.request<Identity>('PATCH', idPath('/v1/identities', id), { body: patch })
  }

  /** Deletes it; its keys stay, unlinked. */
  async delete(id: number | string): Promise<void> {
    await this.http.request('DELETE', idPath('/v1/identities', id))
  }
}
