import { useState } from 'react'
import type { Member, OrgRole } from '../../api'
import { useSession } from '../../session'
import { type Column, DataTable } from '../DataTable'
import { ErrorNote } from '../ui'
import { RemoveMemberDialog } from './RemoveMemberDialog'
import { useAction } from './useAction'

const ROLES: OrgRole[] = ['viewer', 'member', 'admin', 'owner']

/** The members of an organization, with their roles; admins change roles and remove members. */
export function MembersTable({ orgId, members, onChange }: { orgId: number; members: Member[]; onChange: () => void }) {
  const { api } = useSession()
  const { error, run } = useAction()
  const [removing, setRemoving] = useState<Member | null>(null)
  const remove = (m: Member) => {
    setRemoving(null)
    void act(() => api.removeMember(orgId, m.user_id))
  }
  const act = (what: () => Promise<unknown>) =>
    run(async () => {
      await what()
      onChange()
    })
  const columns: Column<Member>[] = [
    { header: 'Email', cell: (m) => m.email },
    {
      header: 'Role',
      cell: (m) => (
        <select
          aria-label={`Role of ${m.email}`}
          value={m.role}
          onChange={(e) => void act(() => api.setMemberRole(orgId, m.user_id, e.target.value as OrgRole))}
        >
          {ROLES.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
      ),
    },
    {
      header: 'Actions',
      cell: (m) => (
        <button type="button" onClick={() => setRemoving(m)}>
          Remove {m.email}
        </button>
      ),
    },
  ]
  return (
    <>
      <DataTable rows={members} columns={columns} rowKey={(m) => m.user_id} label="Members" />
      {error && <ErrorNote error={error} />}
      <RemoveMemberDialog member={removing} onCancel={() => setRemoving(null)} onRemove={() => remove(removing!)} />
    </>
  )
}
