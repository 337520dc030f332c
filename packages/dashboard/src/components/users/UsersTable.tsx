import { Link } from 'react-router'
import type { User } from '../../api'
import { ownerValue, when } from '../../format'
import { type Column, DataTable } from '../DataTable'
import { type UserActionResult, UserActions } from './UserActions'

/** The users of the server, with each one's status and an admin's actions. */
export function UsersTable({ users, onDone }: { users: User[]; onDone: (r: UserActionResult) => void }) {
  const columns: Column<User>[] = [
    { header: 'Email', cell: (u) => u.email },
    { header: 'Username', cell: (u) => u.username },
    { header: 'Role', cell: (u) => u.role },
    { header: 'Status', cell: (u) => (u.deactivated_at ? `deactivated ${when(u.deactivated_at)}` : 'active') },
    { header: 'Created', cell: (u) => when(u.created_at) },
    {
      header: 'Keys',
      cell: (u) => <Link to={`/keys?owner=${ownerValue({ kind: 'user', id: u.id })}`}>Their keys</Link>,
    },
    { header: 'Actions', cell: (u) => <UserActions user={u} onDone={onDone} /> },
  ]
  return <DataTable rows={users} columns={columns} rowKey={(u) => u.id} />
}
