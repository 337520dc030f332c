import { keyPrefixOf } from '@keyward/client'
import type { KeyKind, KeyStatus, ListKeysQuery } from '../../api'
import { parseOwner } from '../../format'
import { useOrg } from '../../orgs'
import { useSession } from '../../session'
import { useLoad } from '../ui'
import type { KeyListParams } from './useKeyListParams'

/** Keys per page of the list. */
export const PAGE_SIZE = 25

/** Whether any filter narrows the list (the count then says "match"). */
export const isFiltered = (p: KeyListParams) => Boolean(p.q || p.prefix || p.scope || p.status || p.kind || p.owner)

/** The page of keys that the list's filters and sort, the switcher's organization and `cursor` ask for. */
export function useKeyPage(p: KeyListParams, cursor: string | undefined) {
  const { api } = useSession()
  const org = useOrg().current?.id
  const o = parseOwner(p.owner)
  const query: ListKeysQuery = {
    organization_id: org,
    q: p.q || undefined,
    prefix: p.prefix ? keyPrefixOf(p.prefix) : undefined, // a link may hold a whole key: the API gets its start
    scope: p.scope || undefined,
    status: (p.status || undefined) as KeyStatus | undefined,
    kind: (p.kind || undefined) as KeyKind | undefined,
    owner_kind: o?.kind,
    owner_id: o?.id,
    limit: PAGE_SIZE,
    cursor,
    sort: p.sort,
    order: p.order,
  }
  return useLoad(
    () => api.listKeys(query),
    [api, org, p.q, p.prefix, p.scope, p.status, p.kind, p.owner, p.sort, p.order, cursor],
    [api, org], // another filter keeps the rows until its page comes
  )
}
