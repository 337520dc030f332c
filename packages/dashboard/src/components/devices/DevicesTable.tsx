import { Link } from 'react-router'
import type { Device } from '../../api'
import { useDirectory } from '../../directory'
import { when } from '../../format'

/** Devices as a table with links to each device's keys. */
export function DevicesTable({ devices }: { devices: Device[] }) {
  const { ownerName } = useDirectory()
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">UUID</th>
            <th scope="col">Application</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {devices.map((d) => (
            <tr key={d.id}>
              <td data-label="Name">
                <Link to={`/devices/${d.id}`}>{d.name ?? <em>unnamed</em>}</Link>
              </td>
              <td data-label="UUID">
                <code>{d.uuid.slice(0, 7)}</code>
              </td>
              <td data-label="Application">
                <Link to={`/applications/${d.application_id}`}>
                  {ownerName({ kind: 'application', id: d.application_id })}
                </Link>
              </td>
              <td data-label="Created">{when(d.created_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
