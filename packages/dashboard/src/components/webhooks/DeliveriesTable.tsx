import { when } from '../../format'
import { deliveryStatus, type WebhookDelivery } from '../../webhooks'
import { type Column, DataTable } from '../DataTable'

/** A webhook's deliveries, newest first, each with a Redeliver button (a new attempt, sent soon). */
export function DeliveriesTable({
  deliveries,
  busy,
  onRedeliver,
}: {
  deliveries: WebhookDelivery[]
  busy: boolean
  onRedeliver: (d: WebhookDelivery) => void
}) {
  const columns: Column<WebhookDelivery>[] = [
    {
      header: 'Event',
      cell: (d) => (
        <>
          <code>{d.event_type}</code>
          {d.key_id !== null && <span className="muted"> key #{d.key_id}</span>}
        </>
      ),
    },
    { header: 'Status', cell: (d) => <span className={`badge badge-${deliveryStatus(d)}`}>{deliveryStatus(d)}</span> },
    { header: 'Attempts', cell: (d) => d.attempts },
    {
      header: 'Response',
      cell: (d) => d.response_status ?? d.last_error ?? '—',
      title: (d) => d.last_error ?? undefined,
    },
    { header: 'Latency', cell: (d) => (d.latency_ms === null ? '—' : `${d.latency_ms} ms`) },
    { header: 'Next attempt', cell: (d) => (d.status === 'pending' ? when(d.next_attempt_at) : '—') },
    { header: 'Created', cell: (d) => when(d.created_at) },
    {
      header: 'Actions',
      hideHeader: true,
      cell: (d) => (
        <button type="button" disabled={busy} aria-label={`Redeliver delivery ${d.id}`} onClick={() => onRedeliver(d)}>
          Redeliver
        </button>
      ),
    },
  ]
  return (
    <DataTable
      rows={deliveries}
      columns={columns}
      rowKey={(d) => d.id}
      label="Deliveries"
      rowAttributes={(d) => ({ 'data-delivery-id': d.id })}
    />
  )
}
