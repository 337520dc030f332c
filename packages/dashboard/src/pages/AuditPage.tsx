import { useState } from 'react'
import { targetFilter, useAuditParams } from '../components/audit/useAuditParams'
import { AuditFilterBar } from '../components/AuditFilterBar'
import { AuditTable } from '../components/AuditTable'
import type { AuditTargetType } from '../api'
import { Empty, ErrorNote, Loading, useLoad } from '../components/ui'
import { useSession } from '../session'

const PAGE_SIZE = 50

/** The whole audit log (admins), newest first, filterable by action and target (kept in the URL), paged by id. */
export function AuditPage() {
  const { api } = useSession()
  const p = useAuditParams()
  // Pages belong to one filter: another (a new filter, the menu's link to the whole log) starts at the newest.
  const filter = `${p.action}\n${p.target}`
  const [paging, setPaging] = useState<{ filter: string; before: number[] }>({ filter, before: [] })
  const before = paging.filter === filter ? paging.before : []
  const setBefore = (next: (b: number[]) => number[]) => setPaging({ filter, before: next(before) })
  const beforeId = before[before.length - 1]
  const target = targetFilter(p.target) ?? { target_type: p.target as AuditTargetType } // the server names the types
  const page = useLoad(
    () => api.audit({ action: p.action || undefined, ...target, before_id: beforeId, limit: PAGE_SIZE }),
    [api, p.action, p.target, beforeId],
    [api], // another filter or page keeps the rows until its page comes
  )
  const events = page.data?.events ?? []
  const last = events[events.length - 1]
  return (
    <section aria-labelledby="audit-title">
      <header className="page-head">
        <h1 id="audit-title">Audit log</h1>
      </header>
      <AuditFilterBar key={filter} p={p} />
      {page.loading && !page.data && <Loading what="Loading the audit log" />}
      <ErrorNote error={page.error} />
      {page.data &&
        (events.length ? (
          <AuditTable events={events} />
        ) : (
          <Empty>
            <p>No events{p.action || p.target ? ' match' : ''}.</p>
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
