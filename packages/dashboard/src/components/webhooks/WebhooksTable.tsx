import { Link } from 'react-router'
import { useDirectory } from '../../directory'
import { when } from '../../format'
import type { Webhook } from '../../webhooks'
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
  return (
    <div className="table-wrap">
      <table aria-label="Webhooks">
        <thead>
          <tr>
            <th scope="col">URL</th>
            <th scope="col">Events</th>
            <th scope="col">Description</th>
            <th scope="col">Owner</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {webhooks.map((w) => (
            <tr key={w.id}>
              <td data-label="URL">
                <Link to={`/webhooks/${w.id}`}>{w.url}</Link>
              </td>
              <td data-label="Events">
                {w.events.map((e) => (
                  <code key={e} className="scope">
                    {e}
                  </code>
                ))}
              </td>
              <td data-label="Description">{w.description ?? <span className="muted">—</span>}</td>
              <td data-label="Owner">{ownerName(w.owner)}</td>
              <td data-label="Created">{when(w.created_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
