import { useLocation } from 'react-router'
import { ApplicationsTable } from '../components/applications/ApplicationsTable'
import { InlineCreateForm } from '../components/form/InlineCreateForm'
import { Empty, ErrorNote, Loading, useLoad } from '../components/ui'
import { useDirectory } from '../directory'
import { useSession } from '../session'

/** Applications (balena "fleets") the signed-in person can see, and a form to add one. */
export function ApplicationsPage() {
  const { api } = useSession()
  const dir = useDirectory()
  const apps = useLoad(() => api.listApplications(), [api])
  const notice = (useLocation().state as { notice?: string } | null)?.notice
  const create = async (name: string) => {
    await api.createApplication(name)
    apps.reload()
    dir.reload()
  }
  return (
    <section aria-labelledby="apps-title">
      <header className="page-head">
        <h1 id="apps-title">Applications</h1>
      </header>
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <InlineCreateForm
        label="New application name"
        hint="Letters, digits, dot, dash and underscore."
        name="name"
        submit="Add application"
        primary
        onCreate={create}
      />
      {apps.loading && !apps.data && <Loading what="Loading applications" />}
      <ErrorNote error={apps.error} />
      {apps.data &&
        (apps.data.applications.length === 0 ? (
          <Empty>
            <p>No applications yet.</p>
          </Empty>
        ) : (
          <ApplicationsTable applications={apps.data.applications} />
        ))}
    </section>
  )
}
