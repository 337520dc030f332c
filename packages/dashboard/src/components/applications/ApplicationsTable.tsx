import { Link } from 'react-router'
import type { Application } from '../../api'
import { useDirectory } from '../../directory'
import { when } from '../../format'
import { type Column, DataTable } from '../DataTable'

/** Applications as a table, each linking to its page. */
export function ApplicationsTable({ applications }: { applications: Application[] }) {
  const { ownerName } = useDirectory()
  const columns: Column<Application>[] = [
    { header: 'Name', cell: (a) => <Link to={`/applications/${a.id}`}>{a.name}</Link> },
    { header: 'Slug', cell: (a) => <code>{a.slug}</code> },
    { header: 'Created by', cell: (a) => ownerName({ kind: 'user', id: a.owner_user_id }) },
    { header: 'Created', cell: (a) => when(a.created_at) },
  ]
  return <DataTable rows={applications} columns={columns} rowKey={(a) => a.id} />
}
