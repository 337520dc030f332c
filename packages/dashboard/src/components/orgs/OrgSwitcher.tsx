import { useOrg } from '../../orgs'

/** The organization switcher in the header: narrows the keys, applications, devices and members pages to one organization. */
export function OrgSwitcher() {
  const { organizations, current, choose } = useOrg()
  if (organizations.length === 0) return null
  return (
    <label className="org-switcher">
      <select
        aria-label="Organization"
        value={current?.id ?? ''}
        onChange={(e) => choose(e.target.value ? Number(e.target.value) : null)}
      >
        <option value="">All organizations</option>
        {organizations.map((o) => (
          <option key={o.id} value={o.id}>
            {o.name}
            {o.personal ? ' (personal)' : ''}
          </option>
        ))}
      </select>
    </label>
  )
}
