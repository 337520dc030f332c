import { useEffect, useState } from 'react'
import { NavLink, useLocation } from 'react-router'
import { useSession } from '../session'
import { Logo } from './Logo'
import { OrgSwitcher } from './orgs/OrgSwitcher'

/**
 * The header: brand, main navigation, then the organization switcher and the account. One row down to
 * about 1280 px for an admin (the address hidden below 1400 px); under 720 px the navigation folds behind a Menu button.
 */
export function TopBar() {
  const { user, signOut } = useSession()
  const [open, setOpen] = useState(false)
  const { pathname } = useLocation()
  useEffect(() => setOpen(false), [pathname]) // following a link closes the menu
  if (!user) return null
  return (
    <header className={`topbar${open ? ' open' : ''}`}>
      <span className="brand">
        <Logo /> Keyward
      </span>
      <button
        type="button"
        className="menu-toggle"
        aria-expanded={open}
        aria-controls="main-nav"
        onClick={() => setOpen((o) => !o)}
      >
        Menu
      </button>
      <nav id="main-nav" aria-label="Main">
        <NavLink to="/keys">Keys</NavLink>
        <NavLink to="/identities">Identities</NavLink>
        <NavLink to="/applications">Applications</NavLink>
        <NavLink to="/devices">Devices</NavLink>
        <NavLink to="/members">Members</NavLink>
        {/* Everyone may manage webhooks: members their own, admins all (the server decides which). */}
        <NavLink to="/webhooks">Webhooks</NavLink>
        {user.role === 'admin' && <NavLink to="/users">Users</NavLink>}
        {user.role === 'admin' && <NavLink to="/audit">Audit log</NavLink>}
        <NavLink to="/settings">Settings</NavLink>
      </nav>
      <div className="me">
        <OrgSwitcher />
        <span className="muted email" title={`${user.email} (${user.role})`}>
          {user.email}
        </span>
        <button type="button" title={`Signed in as ${user.email}`} onClick={() => void signOut()}>
          Sign out
        </button>
      </div>
    </header>
  )
}
