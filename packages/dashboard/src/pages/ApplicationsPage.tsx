import { useState, type FormEvent } from 'react'
import { Link, useParams } from 'react-router'
import { ApiError, toApiError } from '../api'
import { OwnerKeys } from '../components/OwnerKeys'
import { Empty, ErrorNote, Field, Loading, useLoad } from '../components/ui'
import { useDirectory } from '../directory'
import { idParam, when } from '../format'
import { LoadFailed, NotFound } from '../components/NotFound'
import { useSession } from '../session'
import { DevicesTable } from './DevicesPage'

/** Applications (balena "fleets") the signed-in person can see, and a form to add one. */
export function ApplicationsPage() {
  const { api } = useSession()
  const dir = useDirectory()
  const apps = useLoad(() => api.listApplications(), [api])
  const [name, setName] = useState('')
  const [error, setError] = useState<ApiError | null>(null)
  const create = async (e: FormEvent) => {
    e.preventDefault()
    setError(null)
    try {
      await api.createApplication(name.trim())
      setName('')
      apps.reload()
      dir.reload()
    } catch (err) {
      setError(toApiError(err))
    }
  }
  return (
    <section aria-labelledby="apps-title">
      <header className="page-head">
        <h1 id="apps-title">Applications</h1>
      </header>
      <form className="card inline-form" onSubmit={create} noValidate>
        <Field
          label="New application name"
          hint="Letters, digits, dot, dash and underscore."
          error={error?.fields.name ?? (error && Object.keys(error.fields).length === 0 ? error.message : undefined)}
        >
          {(p) => (
            <input {...p} name="name" value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" />
          )}
        </Field>
        <button type="submit" className="primary">
          Add application
        </button>
      </form>
      {apps.loading && !apps.data && <Loading what="Loading applications" />}
      <ErrorNote error={apps.error} />
      {apps.data &&
        (apps.data.applications.length === 0 ? (
          <Empty>
            <p>No applications yet.</p>
          </Empty>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Slug</th>
                  <th scope="col">Owner</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {apps.data.applications.map((a) => (
                  <tr key={a.id}>
                    <td data-label="Name">
                      <Link to={`/applications/${a.id}`}>{a.name}</Link>
                    </td>
                    <td data-label="Slug">
                      <code>{a.slug}</code>
                    </td>
                    <td data-label="Owner">{dir.ownerName({ kind: 'user', id: a.owner_user_id })}</td>
                    <td data-label="Created">{when(a.created_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
    </section>
  )
}

/** One application: its provisioning keys and its devices. */
export function ApplicationDetailPage() {
  const id = idParam(useParams().id)
  return id === null ? <NotFound {...APPS} /> : <ApplicationPage id={id} />
}

const APPS = { what: 'application', back: '/applications', backLabel: 'applications' }

function ApplicationPage({ id }: { id: number }) {
  const { api } = useSession()
  const dir = useDirectory()
  const app = useLoad(() => api.getApplication(id), [api, id])
  const devices = useLoad(() => api.listDevices(id), [api, id])
  const [name, setName] = useState('')
  const [error, setError] = useState<ApiError | null>(null)
  if (app.loading && !app.data) return <Loading what="Loading application" />
  if (!app.data) return <LoadFailed error={app.error} {...APPS} />
  const addDevice = async (e: FormEvent) => {
    e.preventDefault()
    setError(null)
    try {
      await api.createDevice(id, name.trim())
      setName('')
      devices.reload()
      dir.reload()
    } catch (err) {
      setError(toApiError(err))
    }
  }
  return (
    <section aria-labelledby="app-title">
      <p className="crumbs">
        <Link to="/applications">Applications</Link> /
      </p>
      <header className="page-head">
        <h1 id="app-title">{app.data.name}</h1>
      </header>
      <dl className="facts card">
        <dt>Slug</dt>
        <dd>
          <code>{app.data.slug}</code>
        </dd>
        <dt>UUID</dt>
        <dd>
          <code>{app.data.uuid}</code>
        </dd>
        <dt>Owner</dt>
        <dd>{dir.ownerName({ kind: 'user', id: app.data.owner_user_id })}</dd>
        <dt>Created</dt>
        <dd>{when(app.data.created_at)}</dd>
      </dl>
      <OwnerKeys owner={{ kind: 'application', id }} title="Provisioning keys" />
      <h2>Devices</h2>
      <form className="card inline-form" onSubmit={addDevice} noValidate>
        <Field
          label="New device name (optional)"
          error={error?.fields.name ?? (error && Object.keys(error.fields).length === 0 ? error.message : undefined)}
        >
          {(p) => (
            <input
              {...p}
              name="device-name"
              value={name}
              onChange={(e) => setName(e.target.value)}
              autoComplete="off"
            />
          )}
        </Field>
        <button type="submit">Add device</button>
      </form>
      {devices.loading && !devices.data && <Loading what="Loading devices" />}
      <ErrorNote error={devices.error} />
      {devices.data &&
        (devices.data.devices.length ? (
          <DevicesTable devices={devices.data.devices} />
        ) : (
          <Empty>
            <p>No devices in this application yet.</p>
          </Empty>
        ))}
    </section>
  )
}
