import type { Member, OrgAbilities, OrgRole } from '../../api'

const ROLES: OrgRole[] = ['viewer', 'member', 'admin', 'owner']

/** The roles `can` lets you give: owner only by owners (`can.manage_owners`). */
export const grantableRoles = (can: OrgAbilities): OrgRole[] =>
  can.manage_owners ? ROLES : ROLES.filter((r) => r !== 'owner')

/** Whether `can` lets you change or remove member `m`: admins manage members, owners also owners. */
export const mayChange = (can: OrgAbilities, m: Member): boolean =>
  can.manage_members && (m.role !== 'owner' || can.manage_owners)

/** A member's role: a select where you may change it, else its name. */
export function MemberRole(props: { member: Member; can: OrgAbilities; onChange: (role: OrgRole) => void }) {
  const { member: m, can } = props
  if (!mayChange(can, m)) return <>{m.role}</>
  return (
    <select
      aria-label={`Role of ${m.email}`}
      value={m.role}
      onChange={(e) => props.onChange(e.target.value as OrgRole)}
    >
      {grantableRoles(can).map((r) => (
        <option key={r}>{r}</option>
      ))}
    </select>
  )
}
