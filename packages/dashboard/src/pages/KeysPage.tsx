import { keyPrefixOf } from '@keyward/client'
import { useState } from 'react'
import { Link, useLocation } from 'react-router'
import type { KeyKind, KeySortField, KeyStatus, ListKeysQuery } from '../api'
import { KeysFilterBar } from '../components/keys/KeysFilterBar'
import { NoKeys } from '../components/keys/NoKeys'
import { Pager } from '../components/keys/Pager'
import { SORTS, useKeyListParams } from '../components/keys/useKeyListParams'
import { KeysTable } from '../components/KeysTable'
import { ErrorNote, Loading, useLoad } from '../components/ui'
import { parseOwner } from '../format'
import { useOrg } from '../orgs'
import { useSession } from '../session'

const PAGE_SIZE = 25

/**
 * All keys the signed-in person can see. Filters live in the URL (shareable, Back works);
 * paging follows the API's cursor, remembering earlier cursors for "Previous".
 */
export function KeysPage() {
  const { api } = useSession()
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined])
  const p = useKeyListParams(() => setCursors([undefined]))
  const notice = (useLocation().state as { notice?: string } | null)?.notice
  const cursor = cursors[cursors.length - 1]
  const o = parseOwner(p.owner)
  const org = useOrg().current?.id
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
  const page = useLoad(
    () => api.listKeys(query),
    [api, org, p.q, p.prefix, p.scope, p.status, p.kind, p.owner, p.sort, p.order, cursor],
  )
  const filtered = Boolean(p.q || p.prefix || p.scope || p.status || p.kind || p.owner)
  const onSort = (field: KeySortField) =>
    p.setSort(field, field === p.sort ? (p.order === 'asc' ? 'desc' : 'asc') : SORTS[field].first)

  return (
    <section aria-labelledby="keys-title">
      <header className="page-head">
        <h1 id="keys-title">API keys</h1>
        <Link className="button primary" to="/keys/new">
          Create key
        </Link>
      </header>
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <KeysFilterBar p={p} />
      <ErrorNote error={page.error} />
      {page.loading && !page.data && <Loading what="Loading keys" />}
      {page.data && (
        <>
          <p className="count" aria-live="polite">
            {page.data.total === 1 ? '1 key' : `${page.data.total} keys`}
            {filtered ? ' match' : ''}
            {page.data.total > PAGE_SIZE && ` · page ${cursors.length} of ${Math.ceil(page.data.total / PAGE_SIZE)}`}
          </p>
          {page.data.api_keys.length === 0 ? (
            <NoKeys filtered={filtered} />
          ) : (
            <KeysTable keys={page.data.api_keys} sort={{ field: p.sort, order: p.order, onSort }} />
          )}
          <Pager
            atFirst={cursors.length === 1}
            next={page.data.next_cursor}
            onPrevious={() => setCursors((c) => c.slice(0, -1))}
            onNext={(next) => setCursors((c) => [...c, next])}
          />
        </>
      )}
    </section>
  )
}
