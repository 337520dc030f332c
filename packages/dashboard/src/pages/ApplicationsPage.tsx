import { RedirectNotice } from '../components/RedirectNotice'
import { ApplicationsTable } from '../components/applications/ApplicationsTable'
import { NewApplicationForm } from '../components/applications/NewApplicationForm'
import { Empty, ErrorNote, Loading, useLoad } from '../components/ui'
import { useDirectory } from '../directory'
import { useOrg } from '../orgs'
import { useSession } from '../session'

/**
 * Applications (balena "fleets") the signed-in person can see, and a form to add one: both narrowed to the
 * organization chosen in the header, as the keys page is (a new application went to the personal organization
 * whichever one was chosen).
 */
export function ApplicationsPage() {
  const { api } = useSession()
  const dir = useDirectory()
  const { current } = useOrg()
  const orgId = current?.id
  const apps = useLoad(() => api.listApplications(orgId), [api, orgId])
  const shown = apps.data?.applications
  const create = async (name: string) => {
    await api.createApplication(name, orgId)
    apps.reload()
    dir.reload()
  }
  return (
    <section aria-labelledby="apps-title">
      <header className="page-head">
        <h1 id="apps-title">Applications{current ? ` of ${current.name}` : ''}</h1>
      </header>
      <RedirectNotice />
      <NewApplicationForm org={current} onCreate={create} />
      {apps.loading && !apps.data && <Loading what="Loading applications" />}
      <ErrorNote error={apps.error} />
      {shown &&
        (shown.length === 0 ? (
          <Empty>
            <p>No applications yet.</p>
          </Empty>
        ) : (
          <ApplicationsTable applications={shown} />
        ))}
    </section>
  )
}
