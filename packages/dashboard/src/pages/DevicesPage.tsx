import { Link, useParams } from 'react-router'
import { DeleteDeviceButton } from '../components/devices/DeleteDeviceButton'
import { DevicesTable } from '../components/devices/DevicesTable'
import { OwnerKeys } from '../components/OwnerKeys'
import { Empty, ErrorNote, Loading, useLoad } from '../components/ui'
import { useDirectory } from '../directory'
import { idParam, when } from '../format'
import { LoadFailed, NotFound } from '../components/NotFound'
import { useSession } from '../session'

/** All devices the signed-in person can see. */
export function DevicesPage() {
  const { api } = useSession()
  const devices = useLoad(() => api.listDevices(), [api])
  return (
    <section aria-labelledby="devices-title">
      <header className="page-head">
        <h1 id="devices-title">Devices</h1>
      </header>
      <p className="muted">Devices belong to an application; add one from its application's page.</p>
      {devices.loading && !devices.data && <Loading what="Loading devices" />}
      <ErrorNote error={devices.error} />
      {devices.data &&
        (devices.data.devices.length ? (
          <DevicesTable devices={devices.data.devices} />
        ) : (
          <Empty>
            <p>
              No devices yet. <Link to="/applications">Add one to an application</Link>.
            </p>
          </Empty>
        ))}
    </section>
  )
}

/** One device and its keys. */
export function DeviceDetailPage() {
  const id = idParam(useParams().id)
  return id === null ? <NotFound {...DEVICES} /> : <DevicePage id={id} />
}

const DEVICES = { what: 'device', back: '/devices', backLabel: 'devices' }

function DevicePage({ id }: { id: number }) {
  const { api } = useSession()
  const { ownerName } = useDirectory()
  const device = useLoad(() => api.getDevice(id), [api, id])
  if (device.loading && !device.data) return <Loading what="Loading device" />
  if (!device.data) return <LoadFailed error={device.error} {...DEVICES} />
  const d = device.data
  return (
    <section aria-labelledby="device-title">
      <p className="crumbs">
        <Link to="/devices">Devices</Link> /
      </p>
      <header className="page-head">
        <h1 id="device-title">{d.name ?? `Device ${d.uuid.slice(0, 7)}`}</h1>
      </header>
      <DeleteDeviceButton device={d} />
      <dl className="facts card">
        <dt>UUID</dt>
        <dd>
          <code>{d.uuid}</code>
        </dd>
        <dt>Application</dt>
        <dd>
          <Link to={`/applications/${d.application_id}`}>
            {ownerName({ kind: 'application', id: d.application_id })}
          </Link>
        </dd>
        <dt>Created</dt>
        <dd>{when(d.created_at)}</dd>
      </dl>
      <OwnerKeys owner={{ kind: 'device', id }} title="Device keys" />
    </section>
  )
}
