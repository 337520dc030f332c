import type { Invitation } from '../../api'
import { when } from '../../format'
import { useSession } from '../../session'
import { type Column, DataTable } from '../DataTable'
import { ErrorNote } from '../ui'
import { useAction } from './useAction'

/**
 * The organization's pending invitations (admins see them), each revocable: an invitation is a way
 * in for whoever holds its token until it is accepted, expires or is revoked.
 */
export function InvitationsTable(props: { orgId: number; invitations: Invitation[]; onChange: () => void }) {
  const { api } = useSession()
  const { error, run } = useAction()
  const revoke = (i: Invitation) =>
    run(async () => {
      await api.revokeInvitation(props.orgId, i.id)
      props.onChange()
    })
  const expired = (i: Invitation) => Date.parse(i.expires_at) <= Date.now()
  const columns: Column<Invitation>[] = [
    { header: 'Email', cell: (i) => i.email },
    { header: 'Role', cell: (i) => i.role },
    { header: 'Expires', cell: (i) => (expired(i) ? `expired ${when(i.expires_at)}` : when(i.expires_at)) },
    // Refused at acceptance, so said here: its key was revoked, or its maker demoted or deactivated.
    {
      header: 'Usable',
      cell: (i) => (i.usable !== false ? 'yes' : expired(i) ? 'no (expired)' : 'no: its inviter may no longer invite'),
    },
    {
      header: 'Actions',
      cell: (i) => (
        <button type="button" onClick={() => void revoke(i)}>
          Revoke invitation of {i.email}
        </button>
      ),
    },
  ]
  if (props.invitations.length === 0) return null
  return (
    <>
      <DataTable rows={props.invitations} columns={columns} rowKey={(i) => i.id} caption="Pending invitations" />
      {error && <ErrorNote error={error} />}
    </>
  )
}
