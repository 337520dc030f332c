import { Link } from 'react-router'
import type { Device } from '../../api'
import { useDirectory } from '../../directory'
import { when } from '../../format'

/** A device's UUID (what balena names it by), its application and creation date. */
export function DeviceFacts({ device }: { device: Device }) {
  const { ownerName } = useDirectory()
  return (
    <dl className="facts card">
      <dt>UUID</dt>
      <dd>
        <code>{device.uuid}</code>
      </dd>
      <dt>Application</dt>
      <dd>
        <Link to={`/applications/${device.application_id}`}>
          {ownerName({ kind: 'application', id: device.application_id })}
        </Link>
      </dd>
      <dt>Created</dt>
      <dd>{when(device.created_at)}</dd>
    </dl>
  )
}
