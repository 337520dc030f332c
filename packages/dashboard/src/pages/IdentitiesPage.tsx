import { useState, type FormEvent } from 'react'
import { Link } from 'react-router'
import { type ApiError, type Identity, toApiError } from '../api'
import { Empty, ErrorNote, Field, Loading, useLoad } from '../components/ui'
import { when } from '../format'
import { useSession } from '../session'

/** Identities (customers whose keys share limits and credits) the signed-in person can see, and a form to add one. */
export function IdentitiesPage() {
  const { api } = useSession()
  const list = useLoad(() => api.listIdentities(), [api])
  const [externalId, setExternalId] = useState('')
  const [error, setError] = useState<ApiError | null>(null)
  const create = async (e: FormEvent) => {
    e.preventDefault()
    setError(null)
    try {
      await api.createIdentity(externalId.trim())
      setExternalId('')
      list.reload()
    } catch (err) {
      setError(toApiError(err))
    }
  }
  return (
    <section aria-labelledby="identities-title">
      <header className="page-head">
        <h1 id="identities-title">Identities</h1>
      </header>
      <form className="card inline-form" onSubmit={create} noValidate>
        <Field
          label="New identity: your id for the customer"
          hint="Unique among your identities, e.g. cust_123."
          error={error?.fields.external_id ?? (error ? error.message : undefined)}
        >
          {(p) => (
            <input {...p} name="external_id" value={externalId} onChange={(e) => setExternalId(e.target.value)} />
          )}
        </Field>
        <button type="submit" className="primary">
          Add identity
        </button>
      </form>
      {list.loading && !list.data && <Loading what="Loading identities" />}
      <ErrorNote error={list.error} />
      {list.data && <IdentitiesTable identities={list.data.identities} />}
    </section>
  )
}

function IdentitiesTable({ identities }: { identities: Identity[] }) {
  if (identities.length === 0)
    return (
      <Empty>
        <p>No identities yet.</p>
      </Empty>
    )
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">External id</th>
            <th scope="col">Limits</th>
            <th scope="col">Credits left</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {identities.map((i) => (
            <tr key={i.id}>
              <td data-label="External id">
                <Link to={`/identities/${i.id}`}>{i.external_id}</Link>
              </td>
              <td data-label="Limits">{i.ratelimits.map((l) => l.name).join(', ') || '—'}</td>
              <td data-label="Credits left">{i.remaining ?? 'unlimited'}</td>
              <td data-label="Created">{when(i.created_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
