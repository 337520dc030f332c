import { useState } from 'react'
import { AuditFilterBar } from '../components/AuditFilterBar'
import { AuditTable } from '../components/AuditTable'
import { Empty, ErrorNote, Loading, useLoad } from '../components/ui'
import { useSession } from '../session'

const PAGE_SIZE = 50

/** The whole audit log (admins), newest first, filterable by action, paged by id. */
export function AuditPage() {
  const { api } = useSession()
  const [applied, setApplied] = useState('')
  const [before, setBefore] = useState<number[]>([])
  const beforeId = before[before.length - 1]
  const page = useLoad(
    () => api.audit({ action: applied || undefined, before_id: beforeId, limit: PAGE_SIZE }),
    [api, applied, beforeId],
  )
  const events = page.data?.events ?? []
  const last = events[events.length - 1]
  return (
    <section aria-labelledby="audit-title">
      <header className="page-head">
        <h1 id="audit-title">Audit log</h1>
      </header>
      <AuditFilterBar
        onApply={(action) => {
          setBefore([])
          setApplied(action)
        }}
      />
      {page.loading && !page.data && <Loading what="Loading the audit log" />}
      <ErrorNote error={page.error} />
      {page.data &&
        (events.length ? (
          <AuditTable events={events} />
        ) : (
          <Empty>
            <p>No events{applied ? ` for "${applied}"` : ''}.</p>
          </Empty>
        ))}
      <nav className="pager" aria-label="Pages">
        <button type="button" disabled={before.length === 0} onClick={() => setBefore((b) => b.slice(0, -1))}>
          ← Newer
        </button>
        <button
          type="button"
          disabled={events.length < PAGE_SIZE || !last}
          onClick={() => last && setBefore((b) => [...b, last.id])}
        >
          Older →
        </button>
      </nav>
    </section>
  )
}
