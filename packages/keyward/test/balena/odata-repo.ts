import type { Principal } from '../../src/core/types.js'
import { parseODataRequest } from '../../src/http/compat/balena/odata-parse.js'
import { splitQuery } from '../../src/http/compat/balena/query-string.js'
import type { ODataReader } from '../../src/store/odata/query.js'
import type { ODataRequest } from '../../src/store/odata/request.js'

/** A user principal (member or admin) as the balena face passes it to the OData repository. */
export function userViewer(role: 'member' | 'admin', id: number, actorId: number): Principal {
  return {
    owner: { kind: 'user', id, actorId, userId: id, applicationId: null, organizationId: null },
    role,
    orgs: {},
    scopes: null,
    via: 'session',
    keyId: null,
    sessionId: null,
  }
}

/**
 * A session's principal (`scopes: null`: every scope) as the repository's reader; the scopes
 * of what a navigation reaches are `ODataService`'s (test/attack/odata-navigation-scope).
 */
export const sessionReader = (principal: Principal): ODataReader => ({ principal, mayRead: () => {} })

/** A shape (`/resource?query`, as after `/v7`) parsed as the balena face parses it. */
export function parsed(shape: string): ODataRequest {
  const [path, query = ''] = shape.split('?')
  return parseODataRequest(path!, splitQuery(`/v7${path}?${query}`))
}
