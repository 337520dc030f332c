import { useDirectory } from '../../directory'
import { useSession } from '../../session'
import { InlineCreateForm } from '../form/InlineCreateForm'
import { Empty, ErrorNote, Loading, useLoad } from '../ui'
import { DevicesTable } from './DevicesTable'

/**
 * An application's devices, and a form to add one where `canAdd` (its organization's `can.create_devices`; the
 * directory reloads: a device is a key owner).
 */
export function DevicesSection({ applicationId, canAdd }: { applicationId: number; canAdd?: boolean }) {
  const { api } = useSession()
  const dir = useDirectory()
  const devices = useLoad(() => api.listDevices({ applicationId }), [api, applicationId])
  const addDevice = async (name: string) => {
    await api.createDevice(applicationId, name)
    devices.reload()
    dir.reload()
  }
  return (
    <>
      <h2>Devices</h2>
      {canAdd && (
        <InlineCreateForm
          label="New device name (optional)"
          name="device-name"
          submit="Add device"
          onCreate={addDevice}
        />
      )}
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
    </>
  )
}
