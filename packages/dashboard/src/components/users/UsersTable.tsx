import { Link } from 'react-router'
import type { User } from '../../api'
import { ownerValue, when } from '../../format'
import { type UserActionResult, UserActions } from './UserActions'

/** The users of the server, with each one's status and an admin's actions. */
export function UsersTable({ users, onDone }: { users: User[]; onDone: (r: UserActionResult) => void }) {
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Email</th>
            <th scope="col">Username</th>
            <th scope="col">Role</th>
            <th scope="col">Status</th>
            <th scope="col">Created</th>
            <th scope="col">Keys</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {users.map((u) => (
            <tr key={u.id}>
              <td data-label="Email">{u.email}</td>
              <td data-label="Username">{u.username}</td>
              <td data-label="Role">{u.role}</td>
              <td data-label="Status">{u.deactivated_at ? `deactivated ${when(u.deactivated_at)}` : 'active'}</td>
              <td data-label="Created">{when(u.created_at)}</td>
              <td data-label="Keys">
                <Link to={`/keys?owner=${ownerValue({ kind: 'user', id: u.id })}`}>Their keys</Link>
              </td>
              <td data-label="Actions">
                <UserActions user={u} onDone={onDone} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
