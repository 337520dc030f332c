import { Link } from 'react-router'
import type { Device } from '../../api'
import { useDirectory } from '../../directory'
import { when } from '../../format'
import { type Column, DataTable } from '../DataTable'

/** Devices as a table with links to each device's keys. */
export function DevicesTable({ devices }: { devices: Device[] }) {
  const { ownerName } = useDirectory()
  const columns: Column<Device>[] = [
    { header: 'Name', cell: (d) => <Link to={`/devices/${d.id}`}>{d.name ?? <em>unnamed</em>}</Link> },
    { header: 'UUID', cell: (d) => <code>{d.uuid.slice(0, 7)}</code> },
    {
      header: 'Application',
      cell: (d) => (
        <Link to={`/applications/${d.application_id}`}>{ownerName({ kind: 'application', id: d.application_id })}</Link>
      ),
    },
    { header: 'Created', cell: (d) => when(d.created_at) },
  ]
  return <DataTable rows={devices} columns={columns} rowKey={(d) => d.id} />
}
