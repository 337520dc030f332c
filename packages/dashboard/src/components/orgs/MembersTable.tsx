import { useState } from 'react'
import type { Member, Organization } from '../../api'
import { useSession } from '../../session'
import { type Column, DataTable } from '../DataTable'
import { ErrorNote } from '../ui'
import { MemberRole, mayChange } from './MemberRole'
import { RemoveMemberDialog } from './RemoveMemberDialog'
import { useAction } from './useAction'

/**
 * The members of an organization, with their roles. Admins change roles and remove members (owners also owners);
 * anyone may leave. Only what your role allows is offered (`can`, the server's own rules).
 */
export function MembersTable({
  org,
  members,
  onChange,
}: {
  org: Organization
  members: Member[]
  onChange: () => void
}) {
  const { api, user } = useSession()
  const { error, run } = useAction()
  const [removing, setRemoving] = useState<Member | null>(null)
  const remove = (m: Member) => {
    setRemoving(null)
    void act(() => api.removeMember(org.id, m.user_id))
  }
  const act = (what: () => Promise<unknown>) =>
    run(async () => {
      await what()
      onChange()
    })
  const removable = (m: Member) => mayChange(org.can, m) || m.user_id === user?.id
  const columns: Column<Member>[] = [
    { header: 'Email', cell: (m) => m.email },
    {
      header: 'Role',
      cell: (m) => (
        <MemberRole
          member={m}
          can={org.can}
          onChange={(r) => void act(() => api.setMemberRole(org.id, m.user_id, r))}
        />
      ),
    },
    {
      header: 'Actions',
      cell: (m) =>
        removable(m) && (
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
