import { useSession } from '../../session'
import { AuditTable } from '../AuditTable'
import { Empty, ErrorNote, Loading, useLoad } from '../ui'
import { UsageChart } from '../UsageChart'

/** Verifications per day and the audit trail of one key (reloaded when the key changes). */
export function KeyActivity({ id, updatedAt }: { id: number; updatedAt: string }) {
  const { api } = useSession()
  // The key's own entries: an id alone names a user, an identity… too, whose entries crowded the key's off the page.
  const trail = useLoad(
    async () => (await api.audit({ target_type: 'api_key', target_id: id, limit: 100 })).events,
    [api, id, updatedAt],
    [api, id], // a change to the key refetches without blanking its history
  )
  const usage = useLoad(async () => (await api.keyUsage(id, 30)).days, [api, id, updatedAt], [api, id])
  return (
    <>
      <h2>Verifications per day</h2>
      {usage.loading && !usage.data && <Loading what="Loading usage" />}
      <ErrorNote error={usage.error} />
      {usage.data &&
        (usage.data.some((d) => d.valid + d.refused > 0) ? (
          <UsageChart days={usage.data} />
        ) : (
          <Empty>
            <p>No verifications in the last 30 days. Counts appear here within seconds of a key being verified.</p>
          </Empty>
        ))}
      <h2>Audit trail</h2>
      {trail.loading && !trail.data && <Loading what="Loading audit trail" />}
      <ErrorNote error={trail.error} />
      {trail.data &&
        (trail.data.length ? (
          <AuditTable events={trail.data} showTarget={false} />
        ) : (
          <Empty>
            <p>No events recorded for this key.</p>
          </Empty>
        ))}
    </>
  )
}
