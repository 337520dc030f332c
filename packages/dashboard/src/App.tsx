import { BrowserRouter, Navigate, Route, Routes } from 'react-router'
import { TopBar } from './components/TopBar'
import { Empty } from './components/ui'
import { DirectoryProvider } from './directory'
import { OrgProvider } from './orgs'
import { MembersPage } from './pages/MembersPage'
import { ApplicationDetailPage } from './pages/ApplicationDetailPage'
import { ApplicationsPage } from './pages/ApplicationsPage'
import { AuditPage } from './pages/AuditPage'
import { CreateKeyPage } from './pages/CreateKeyPage'
import { DeviceDetailPage } from './pages/DeviceDetailPage'
import { DevicesPage } from './pages/DevicesPage'
import { IdentitiesPage } from './pages/IdentitiesPage'
import { IdentityDetailPage } from './pages/IdentityDetailPage'
import { KeyDetailPage } from './pages/KeyDetailPage'
import { KeysPage } from './pages/KeysPage'
import { LoginPage } from './pages/LoginPage'
import { SettingsPage } from './pages/SettingsPage'
import { UsersPage } from './pages/UsersPage'
import { WebhookDetailPage } from './pages/WebhookDetailPage'
import { WebhooksPage } from './pages/WebhooksPage'
import { SessionProvider, useSession } from './session'

function Shell() {
  const { user } = useSession()
  if (!user) return <LoginPage />
  return (
    <OrgProvider>
      <DirectoryProvider>
        <a className="skip" href="#main">
          Skip to content
        </a>
        <TopBar />
        <main id="main" tabIndex={-1}>
          <Routes>
            <Route path="/" element={<Navigate to="/keys" replace />} />
            <Route path="/keys" element={<KeysPage />} />
            <Route path="/keys/new" element={<CreateKeyPage />} />
            <Route path="/keys/:id" element={<KeyDetailPage />} />
            <Route path="/identities" element={<IdentitiesPage />} />
            <Route path="/identities/:id" element={<IdentityDetailPage />} />
            <Route path="/applications" element={<ApplicationsPage />} />
            <Route path="/applications/:id" element={<ApplicationDetailPage />} />
            <Route path="/devices" element={<DevicesPage />} />
            <Route path="/devices/:id" element={<DeviceDetailPage />} />
            <Route path="/members" element={<MembersPage />} />
            <Route path="/webhooks" element={<WebhooksPage />} />
            <Route path="/webhooks/:id" element={<WebhookDetailPage />} />
            <Route path="/settings" element={<SettingsPage />} />
            <Route
              path="/users"
              element={
                user.role === 'admin' ? (
                  <UsersPage />
                ) : (
                  <Empty>
                    <p>Managing users is for admins.</p>
                  </Empty>
                )
              }
            />
            <Route
              path="/audit"
              element={
                user.role === 'admin' ? (
                  <AuditPage />
                ) : (
                  <Empty>
                    <p>The audit log is for admins.</p>
                  </Empty>
                )
              }
            />
            <Route
              path="*"
              element={
                <Empty>
                  <p>There is no page here.</p>
                </Empty>
              }
            />
          </Routes>
        </main>
      </DirectoryProvider>
    </OrgProvider>
  )
}

/** The dashboard: sign-in gate, navigation, pages. */
export function App() {
  return (
    <SessionProvider>
      <BrowserRouter>
        <Shell />
      </BrowserRouter>
    </SessionProvider>
  )
}
