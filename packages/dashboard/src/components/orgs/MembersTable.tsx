import type { Member, OrgRole } from '../../api'
import { useSession } from '../../session'
import { ErrorNote } from '../ui'
import { useAction } from './useAction'

const ROLES: OrgRole[] = ['viewer', 'member', 'admin', 'owner']

/** The members of an organization, with their roles; admins change roles and remove members. */
export function MembersTable({ orgId, members, onChange }: { orgId: number; members: Member[]; onChange: () => void }) {
  const { api } = useSession()
  const { error, run } = useAction()
  const act = (what: () => Promise<unknown>) =>
    run(async () => {
      await what()
      onChange()
    })
  return (
    <>
      <table aria-label="Members">
        <thead>
          <tr>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {members.map((m) => (
            <tr key={m.user_id}>
              <td>{m.email}</td>
              <td>
                <select
                  aria-label={`Role of ${m.email}`}
                  value={m.role}
                  onChange={(e) => void act(() => api.setMemberRole(orgId, m.user_id, e.target.value as OrgRole))}
                >
                  {ROLES.map((r) => (
                    <option key={r}>{r}</option>
                  ))}
                </select>
              </td>
              <td>
                <button type="button" onClick={() => void act(() => api.removeMember(orgId, m.user_id))}>
                  Remove {m.email}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {error && <ErrorNote error={error} />}
    </>
  )
}
