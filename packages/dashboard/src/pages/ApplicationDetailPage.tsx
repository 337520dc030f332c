import { Link, useParams } from 'react-router'
import { RedirectNotice } from '../components/RedirectNotice'
import { ApplicationActions } from '../components/applications/ApplicationActions'
import { ApplicationFacts } from '../components/applications/ApplicationFacts'
import { DevicesSection } from '../components/devices/DevicesSection'
import { LoadFailed, NotFound } from '../components/NotFound'
import { OwnerKeys } from '../components/OwnerKeys'
import { Loading, useLoad } from '../components/ui'
import { useDirectory } from '../directory'
import { idParam } from '../format'
import { useOrgCan } from '../orgs'
import { useSession } from '../session'

/** One application: its provisioning keys and its devices. */
export function ApplicationDetailPage() {
  const id = idParam(useParams().id)
  return id === null ? <NotFound {...APPS} /> : <ApplicationPage id={id} />
}

const APPS = { what: 'application', back: '/applications', backLabel: 'applications' }

function ApplicationPage({ id }: { id: number }) {
  const { api } = useSession()
  const dir = useDirectory()
  const app = useLoad(() => api.getApplication(id), [api, id])
  // Only what your role there allows is offered (the server computed it; its 403 still stands behind each dialog).
  const can = useOrgCan(app.data?.organization_id)
  const renamed = () => {
    app.reload()
    dir.reload()
  }
  if (app.loading && !app.data) return <Loading what="Loading application" />
  if (!app.data) return <LoadFailed error={app.error} {...APPS} />
  return (
    <section aria-labelledby="app-title">
      <p className="crumbs">
        <Link to="/applications">Applications</Link> /
      </p>
      <header className="page-head">
        <h1 id="app-title">{app.data.name}</h1>
      </header>
      <RedirectNotice />
      {can?.manage_applications && <ApplicationActions app={app.data} onRenamed={renamed} />}
      <ApplicationFacts app={app.data} />
      <OwnerKeys owner={{ kind: 'application', id }} title="Provisioning keys" canCreate={can?.create_keys} />
      <DevicesSection applicationId={id} canAdd={can?.create_devices} />
    </section>
  )
}
