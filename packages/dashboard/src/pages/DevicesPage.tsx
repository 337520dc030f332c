import { Link } from 'react-router'
import { DevicesTable } from '../components/devices/DevicesTable'
import { Empty, ErrorNote, Loading, useLoad } from '../components/ui'
import { useOrg } from '../orgs'
import { useSession } from '../session'

/** The devices the signed-in person can see, narrowed to the organization chosen in the header (as applications are). */
export function DevicesPage() {
  const { api } = useSession()
  const { current } = useOrg()
  const orgId = current?.id
  const devices = useLoad(() => api.listDevices({ organizationId: orgId }), [api, orgId])
  return (
    <section aria-labelledby="devices-title">
      <header className="page-head">
        <h1 id="devices-title">Devices{current ? ` of ${current.name}` : ''}</h1>
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
