import { useState } from 'react'
import { Link, useNavigate, useParams } from 'react-router'
import type { Identity } from '../api'
import { KeysTable } from '../components/KeysTable'
import { LimitsEditor } from '../components/limits/LimitsEditor'
import { LimitsTable } from '../components/limits/LimitsTable'
import { LoadFailed, NotFound } from '../components/NotFound'
import { Empty, ErrorNote, Loading, useLoad } from '../components/ui'
import { duration, idParam, when } from '../format'
import { useSession } from '../session'

const IDENTITIES = { what: 'identity', back: '/identities', backLabel: 'identities' }

/** One identity: its credits, its limits (shared by its keys), and its keys. */
export function IdentityDetailPage() {
  const id = idParam(useParams().id)
  return id === null ? <NotFound {...IDENTITIES} /> : <IdentityPage id={id} />
}

function IdentityPage({ id }: { id: number }) {
  const { api } = useSession()
  const navigate = useNavigate()
  const identity = useLoad(() => api.getIdentity(id), [api, id])
  const [editing, setEditing] = useState(false)
  const [error, setError] = useState<unknown>(null)
  if (identity.loading && !identity.data) return <Loading what="Loading identity" />
  if (identity.error || !identity.data) return <LoadFailed error={identity.error} {...IDENTITIES} />
  const i: Identity = identity.data
  const remove = () =>
    api.deleteIdentity(i.id).then(
      () => void navigate('/identities'),
      (e: unknown) => setError(e),
    )
  return (
    <section aria-labelledby="identity-title">
      <p className="crumbs">
        <Link to="/identities">Identities</Link> /
      </p>
      <header className="page-head">
        <h1 id="identity-title">{i.external_id}</h1>
        <button type="button" onClick={() => setEditing(!editing)}>
          {editing ? 'Cancel' : 'Edit limits'}
        </button>
        <button type="button" className="danger" onClick={() => void remove()}>
          Delete identity
        </button>
      </header>
      <ErrorNote error={error} />
      <dl className="facts card">
        <dt>Credits left</dt>
        <dd>
          {i.remaining ?? 'unlimited'}
          {i.refill && `, reset to ${i.refill.amount} every ${duration(i.refill.interval_s)}`}
        </dd>
        <dt>Meta</dt>
        <dd>
          <code>{JSON.stringify(i.meta)}</code>
        </dd>
        <dt>Created</dt>
        <dd>{when(i.created_at)}</dd>
      </dl>
      {editing ? (
        <LimitsEditor
          initial={i.ratelimits}
          onSave={async (ratelimits) => {
            identity.set(await api.updateIdentity(i.id, { ratelimits }))
            setEditing(false)
          }}
        />
      ) : (
        <LimitsTable limits={i.ratelimits} caption="Limits shared by every key of this identity" />
      )}
      <IdentityKeys id={i.id} />
    </section>
  )
}

/** The keys linked to an identity. */
function IdentityKeys({ id }: { id: number }) {
  const { api } = useSession()
  const keys = useLoad(() => api.listKeys({ identity_id: id, limit: 100 }), [api, id])
  return (
    <>
      <h2>Keys</h2>
      {keys.loading && !keys.data && <Loading what="Loading keys" />}
      <ErrorNote error={keys.error} />
      {keys.data &&
        (keys.data.api_keys.length ? (
          <KeysTable keys={keys.data.api_keys} />
        ) : (
          <Empty>
            <p>No key is linked to this identity yet.</p>
          </Empty>
        ))}
    </>
  )
}
