import { Link } from 'react-router'
import { useDirectory } from '../../directory'
import { when } from '../../format'
import type { Webhook } from '../../webhooks'
import { type Column, DataTable } from '../DataTable'
import { Empty } from '../ui'

/** The webhooks the signed-in person may manage: where they post, which events, for whom. */
export function WebhooksTable({ webhooks }: { webhooks: Webhook[] }) {
  const { ownerName } = useDirectory()
  if (webhooks.length === 0)
    return (
      <Empty>
        <p>No webhooks yet. Add one above to be told when keys change, leak or expire.</p>
      </Empty>
    )
  const columns: Column<Webhook>[] = [
    { header: 'URL', cell: (w) => <Link to={`/webhooks/${w.id}`}>{w.url}</Link> },
    {
      header: 'Events',
      cell: (w) =>
        w.events.map((e) => (
          <code key={e} className="scope">
            {e}
          </code>
        )),
    },
    { header: 'Description', cell: (w) => w.description ?? <span className="muted">—</span> },
    { header: 'Owner', cell: (w) => ownerName(w.owner) },
    { header: 'Created', cell: (w) => when(w.created_at) },
  ]
  return <DataTable rows={webhooks} columns={columns} rowKey={(w) => w.id} label="Webhooks" />
}
