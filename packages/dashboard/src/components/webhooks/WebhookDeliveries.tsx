import { useEffect } from 'react'
import { Empty, ErrorNote, Loading, useLoad } from '../ui'
import type { KeyAction } from '../key/useKeyAction'
import type { Webhook, WebhookApi } from '../../webhooks'
import { DeliveriesTable } from './DeliveriesTable'

/** How often the list is fetched again while a delivery is still pending (the dispatcher works in the background). */
const POLL_MS = 2000

/** A webhook's deliveries, refreshed while any is pending and after `version` changes (a test event, a redelivery). */
export function WebhookDeliveries({
  id,
  hooks,
  action,
  version,
  onChanged,
}: {
  id: number
  hooks: WebhookApi
  action: KeyAction<Webhook>
  version: number
  onChanged: () => void
}) {
  const list = useLoad(() => hooks.deliveries(id), [hooks, id, version], [hooks, id])
  const pending = list.data?.some((d) => d.status === 'pending') ?? false
  const { reload } = list
  useEffect(() => {
    if (!pending) return
    const t = setTimeout(reload, POLL_MS)
    return () => clearTimeout(t)
  }, [pending, list.data, reload])
  return (
    <>
      <div className="page-head">
        <h2>Deliveries</h2>
        <button type="button" onClick={reload}>
          Refresh
        </button>
      </div>
      {list.loading && !list.data && <Loading what="Loading deliveries" />}
      <ErrorNote error={list.error} />
      {list.data &&
        (list.data.length ? (
          <DeliveriesTable
            deliveries={list.data}
            busy={action.busy}
            onRedeliver={(d) =>
              void action
                .act(`Delivery ${d.id} queued again.`, () => hooks.redeliver(id, d.id).then(() => undefined))
                .then((ok) => ok && onChanged())
            }
          />
        ) : (
          <Empty>
            <p>No deliveries yet. Events appear here as keys change; “Send test event” sends one now.</p>
          </Empty>
        ))}
    </>
  )
}
