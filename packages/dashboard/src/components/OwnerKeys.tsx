import { Link } from 'react-router'
import type { Owner } from '../api'
import { ownerValue } from '../format'
import { useSession } from '../session'
import { KeysTable } from './KeysTable'
import { Empty, ErrorNote, Loading, useLoad } from './ui'

/**
 * The keys of one owner (an application's provisioning keys, a device's keys), with a link to create one where
 * `canCreate` (its organization's `can.create_keys`).
 */
export function OwnerKeys({ owner, title, canCreate }: { owner: Owner; title: string; canCreate?: boolean }) {
  const { api } = useSession()
  const keys = useLoad(
    () => api.listKeys({ owner_kind: owner.kind, owner_id: owner.id, limit: 100 }),
    [api, owner.kind, owner.id],
  )
  return (
    <>
      <header className="page-head">
        <h2>{title}</h2>
        {canCreate && (
          <Link className="button" to={`/keys/new?owner=${ownerValue(owner)}`}>
            Create key
          </Link>
        )}
      </header>
      {keys.loading && !keys.data && <Loading what="Loading keys" />}
      <ErrorNote error={keys.error} />
      {keys.data &&
        (keys.data.api_keys.length ? (
          <KeysTable keys={keys.data.api_keys} showOwner={false} />
        ) : (
          <Empty>
            <p>No keys yet.</p>
          </Empty>
        ))}
      {keys.data && keys.data.total > keys.data.api_keys.length && (
        <p>
          <Link to={`/keys?owner=${ownerValue(owner)}`}>All {keys.data.total} keys</Link>
        </p>
      )}
    </>
  )
}
