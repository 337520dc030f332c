import { useDirectory } from '../../directory'
import { when } from '../../format'
import type { Webhook } from '../../webhooks'

/** A webhook's settings as a definition list. */
export function WebhookFacts({ w }: { w: Webhook }) {
  const { ownerName } = useDirectory()
  return (
    <dl className="facts card">
      <dt>URL</dt>
      <dd>
        <code>{w.url}</code>
      </dd>
      <dt>Events</dt>
      <dd>
        {w.events.map((e) => (
          <code key={e} className="scope">
            {e}
          </code>
        ))}
      </dd>
      <dt>Description</dt>
      <dd>{w.description ?? <span className="muted">none</span>}</dd>
      <dt>Owner</dt>
      <dd>{ownerName(w.owner)}</dd>
      {w.previous_secret_expires_at && (
        <>
          <dt>Previous secret</dt>
          <dd>signs beside the new one until {when(w.previous_secret_expires_at)}</dd>
        </>
      )}
      <dt>Created</dt>
      <dd>{when(w.created_at)}</dd>
      <dt>Changed</dt>
      <dd>{when(w.updated_at)}</dd>
    </dl>
  )
}
