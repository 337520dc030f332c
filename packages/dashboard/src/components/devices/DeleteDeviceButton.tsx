import { useState } from 'react'
import { useNavigate } from 'react-router'
import type { Device } from '../../api'
import { useSession } from '../../session'
import { useKeyAction } from '../key/useKeyAction'
import { TypedDeleteDialog } from '../TypedDeleteDialog'

/** Deletes the device after its short uuid is typed: its keys are refused at once. Back to its application. */
export function DeleteDeviceButton({ device }: { device: Device }) {
  const { api } = useSession()
  const action = useKeyAction<Device>(() => undefined)
  const navigate = useNavigate()
  const [open, setOpen] = useState(false)
  const short = device.uuid.slice(0, 7)
  const remove = async () => {
    if (await action.act('Device deleted.', () => api.deleteDevice(device.id))) {
      const notice = `Device ${device.name ?? short} deleted, with its keys.`
      void navigate(`/applications/${device.application_id}`, { replace: true, state: { notice } })
    }
  }
  return (
    <div className="toolbar" role="group" aria-label="Device actions">
      <button type="button" className="danger" onClick={() => setOpen(true)}>
        Delete device
      </button>
      <TypedDeleteDialog
        {...{ action, open }}
        onClose={() => setOpen(false)}
        confirm={short}
        what="device"
        onDelete={remove}
      >
        <strong>Its keys are deleted with it</strong> and refused at once. This cannot be undone.
      </TypedDeleteDialog>
    </div>
  )
}
