import { Link, useParams } from 'react-router'
import { DeleteDeviceButton } from '../components/devices/DeleteDeviceButton'
import { DeviceFacts } from '../components/devices/DeviceFacts'
import { LoadFailed, NotFound } from '../components/NotFound'
import { OwnerKeys } from '../components/OwnerKeys'
import { Loading, useLoad } from '../components/ui'
import { idParam } from '../format'
import { useApplicationOrgCan } from '../orgs'
import { useSession } from '../session'

/** One device and its keys. */
export function DeviceDetailPage() {
  const id = idParam(useParams().id)
  return id === null ? <NotFound {...DEVICES} /> : <DevicePage id={id} />
}

const DEVICES = { what: 'device', back: '/devices', backLabel: 'devices' }

function DevicePage({ id }: { id: number }) {
  const { api } = useSession()
  const device = useLoad(() => api.getDevice(id), [api, id])
  // What your role in its application's organization allows (the server computed it; its 403 still stands).
  const can = useApplicationOrgCan(device.data?.application_id)
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
      {can?.remove_devices && <DeleteDeviceButton device={d} />}
      <DeviceFacts device={d} />
      <OwnerKeys owner={{ kind: 'device', id }} title="Device keys" canCreate={can?.create_keys} />
    </section>
  )
}
