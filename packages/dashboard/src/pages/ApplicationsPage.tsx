import { Link, useParams } from 'react-router'
import { ApplicationsTable } from '../components/applications/ApplicationsTable'
import { DevicesTable } from '../components/devices/DevicesTable'
import { InlineCreateForm } from '../components/form/InlineCreateForm'
import { OwnerKeys } from '../components/OwnerKeys'
import { Empty, ErrorNote, Loading, useLoad } from '../components/ui'
import { useDirectory } from '../directory'
import { idParam, when } from '../format'
import { LoadFailed, NotFound } from '../components/NotFound'
import { useSession } from '../session'

/** Applications (balena "fleets") the signed-in person can see, and a form to add one. */
export function ApplicationsPage() {
  const { api } = useSession()
  const dir = useDirectory()
  const apps = useLoad(() => api.listApplications(), [api])
  const create = async (name: string) => {
    await api.createApplication(name)
    apps.reload()
    dir.reload()
  }
  return (
    <section aria-labelledby="apps-title">
      <header className="page-head">
        <h1 id="apps-title">Applications</h1>
      </header>
      <InlineCreateForm
        label="New application name"
        hint="Letters, digits, dot, dash and underscore."
        name="name"
        submit="Add application"
        primary
        onCreate={create}
      />
      {apps.loading && !apps.data && <Loading what="Loading applications" />}
      <ErrorNote error={apps.error} />
      {apps.data &&
        (apps.data.applications.length === 0 ? (
          <Empty>
            <p>No applications yet.</p>
          </Empty>
        ) : (
          <ApplicationsTable applications={apps.data.applications} />
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
  if (app.loading && !app.data) return <Loading what="Loading application" />
  if (!app.data) return <LoadFailed error={app.error} {...APPS} />
  const addDevice = async (name: string) => {
    await api.createDevice(id, name)
    devices.reload()
    dir.reload()
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
      <InlineCreateForm
        label="New device name (optional)"
        name="device-name"
        submit="Add device"
        onCreate={addDevice}
      />
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
