import type { Application } from '../../api'
import { useDirectory } from '../../directory'
import { when } from '../../format'

/** An application's slug, UUID (what balena devices name it by), who created it and when (its organization, not its maker, decides who
 * manages it: "Owner" said otherwise). */
export function ApplicationFacts({ app }: { app: Application }) {
  const dir = useDirectory()
  return (
    <dl className="facts card">
      <dt>Slug</dt>
      <dd>
        <code>{app.slug}</code>
      </dd>
      <dt>UUID</dt>
      <dd>
        <code>{app.uuid}</code>
      </dd>
      <dt>Created by</dt>
      <dd>{dir.ownerName({ kind: 'user', id: app.owner_user_id })}</dd>
      <dt>Created</dt>
      <dd>{when(app.created_at)}</dd>
    </dl>
  )
}
