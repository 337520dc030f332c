import { AcceptForm } from '../components/orgs/AcceptForm'
import { InvitationsTable } from '../components/orgs/InvitationsTable'
import { InviteForm } from '../components/orgs/InviteForm'
import { MembersTable } from '../components/orgs/MembersTable'
import { Empty, ErrorNote, Loading, useLoad } from '../components/ui'
import { useOrg } from '../orgs'
import { useSession } from '../session'

/** The chosen organization's members and invitations, and accepting an invitation of your own. */
export function MembersPage() {
  const { current } = useOrg()
  return (
    <section aria-labelledby="members-title">
      <header className="page-head">
        <h1 id="members-title">Members{current ? ` of ${current.name}` : ''}</h1>
      </header>
      <AcceptForm />
      {current ? (
        <OrgMembers orgId={current.id} />
      ) : (
        <Empty>
          <p>Choose an organization in the header to see its members.</p>
        </Empty>
      )}
    </section>
  )
}

function OrgMembers({ orgId }: { orgId: number }) {
  const { api } = useSession()
  const members = useLoad(() => api.listMembers(orgId), [api, orgId])
  // Only admins may list invitations: for others the list fails, and nothing is shown.
  const invitations = useLoad(() => api.listInvitations(orgId), [api, orgId])
  if (members.loading && !members.data) return <Loading />
  if (members.error) return <ErrorNote error={members.error} />
  return (
    <>
      <MembersTable orgId={orgId} members={members.data?.members ?? []} onChange={members.reload} />
      <InvitationsTable orgId={orgId} invitations={invitations.data?.invitations ?? []} onChange={invitations.reload} />
      <InviteForm orgId={orgId} onInvited={invitations.reload} />
    </>
  )
}
