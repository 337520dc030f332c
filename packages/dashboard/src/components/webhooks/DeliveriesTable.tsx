import { when } from '../../format'
import { deliveryStatus, type WebhookDelivery } from '../../webhooks'

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
  return (
    <div className="table-wrap">
      <table aria-label="Deliveries">
        <thead>
          <tr>
            <th scope="col">Event</th>
            <th scope="col">Status</th>
            <th scope="col">Attempts</th>
            <th scope="col">Response</th>
            <th scope="col">Latency</th>
            <th scope="col">Next attempt</th>
            <th scope="col">Created</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {deliveries.map((d) => (
            <tr key={d.id} data-delivery-id={d.id}>
              <td data-label="Event">
                <code>{d.event_type}</code>
                {d.key_id !== null && <span className="muted"> key #{d.key_id}</span>}
              </td>
              <td data-label="Status">
                <span className={`badge badge-${deliveryStatus(d)}`}>{deliveryStatus(d)}</span>
              </td>
              <td data-label="Attempts">{d.attempts}</td>
              <td data-label="Response" title={d.last_error ?? undefined}>
                {d.response_status ?? d.last_error ?? '—'}
              </td>
              <td data-label="Latency">{d.latency_ms === null ? '—' : `${d.latency_ms} ms`}</td>
              <td data-label="Next attempt">{d.status === 'pending' ? when(d.next_attempt_at) : '—'}</td>
              <td data-label="Created">{when(d.created_at)}</td>
              <td>
                <button
                  type="button"
                  disabled={busy}
                  aria-label={`Redeliver delivery ${d.id}`}
                  onClick={() => onRedeliver(d)}
                >
                  Redeliver
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
