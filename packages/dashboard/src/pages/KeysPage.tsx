import { useState } from 'react'
import { RedirectNotice } from '../components/RedirectNotice'
import { Link } from 'react-router'
import type { KeySortField } from '../api'
import { KeyCount } from '../components/keys/KeyCount'
import { KeysFilterBar } from '../components/keys/KeysFilterBar'
import { NoKeys } from '../components/keys/NoKeys'
import { Pager } from '../components/keys/Pager'
import { SORTS, useKeyListParams } from '../components/keys/useKeyListParams'
import { isFiltered, useKeyPage } from '../components/keys/useKeyPage'
import { KeysTable } from '../components/KeysTable'
import { ErrorNote, Loading } from '../components/ui'

/**
 * All keys the signed-in person can see. Filters live in the URL (shareable, Back works);
 * paging follows the API's cursor, remembering earlier cursors for "Previous".
 */
export function KeysPage() {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined])
  const p = useKeyListParams(() => setCursors([undefined]))
  const cursor = cursors[cursors.length - 1]
  const page = useKeyPage(p, cursor)
  const filtered = isFiltered(p)
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
      <RedirectNotice />
      <KeysFilterBar p={p} />
      <ErrorNote error={page.error} />
      {page.loading && !page.data && <Loading what="Loading keys" />}
      {page.data && (
        <>
          <KeyCount total={page.data.total} filtered={filtered} page={cursors.length} />
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
