import { useState } from 'react'
import { AcceptForm } from '../components/orgs/AcceptForm'
import { InvitationsTable } from '../components/orgs/InvitationsTable'
import { InviteForm } from '../components/orgs/InviteForm'
import { MembersTable } from '../components/orgs/MembersTable'
import { NewOrganizationForm } from '../components/orgs/NewOrganizationForm'
import { OrgActions } from '../components/orgs/OrgActions'
import { Empty, ErrorNote, Loading, useLoad } from '../components/ui'
import type { Invitation, Organization } from '../api'
import { useOrg } from '../orgs'
import { useSession } from '../session'

/** The chosen organization's members and invitations; accepting an invitation of your own, or making an organization. */
export function MembersPage() {
  const { current } = useOrg()
  // Said here, not by OrgActions: a deletion unmounts it (the switcher goes back to every organization).
  const [deleted, setDeleted] = useState('')
  return (
    <section aria-labelledby="members-title">
      <header className="page-head">
        <h1 id="members-title">Members{current ? ` of ${current.name}` : ''}</h1>
      </header>
      {current && <OrgActions org={current} onDeleted={setDeleted} />}
      {deleted && !current && (
        <p className="notice" role="status">
          {deleted}
        </p>
      )}
      <AcceptForm />
      <NewOrganizationForm />
      {current ? (
        <OrgMembers org={current} />
      ) : (
        <Empty>
          <p>Choose an organization in the header to see its members.</p>
        </Empty>
      )}
    </section>
  )
}

const NO_INVITATIONS = { invitations: [] as Invitation[] }

/** Members for all; invitations, invites and changes only where your role allows (`can.manage_members`). */
function OrgMembers({ org }: { org: Organization }) {
  const { api } = useSession()
  const { can } = org
  const members = useLoad(() => api.listMembers(org.id), [api, org.id])
  const invitations = useLoad(
    () => (can.manage_members ? api.listInvitations(org.id) : Promise.resolve(NO_INVITATIONS)),
    [api, org.id, can.manage_members],
    [api, org.id],
  )
  if (members.loading && !members.data) return <Loading />
  if (members.error) return <ErrorNote error={members.error} />
  return (
    <>
      <p className="muted">Your role here: {org.role ?? 'none (you manage it as an instance admin)'}.</p>
      <MembersTable org={org} members={members.data?.members ?? []} onChange={members.reload} />
      <InvitationsTable
        orgId={org.id}
        invitations={invitations.data?.invitations ?? []}
        onChange={invitations.reload}
      />
      {can.manage_members && <InviteForm org={org} onInvited={invitations.reload} />}
    </>
  )
}
