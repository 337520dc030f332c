import type { User } from '../../api'
import { useDirectory } from '../../directory'
import { ownerValue } from '../../format'

/** The owner filter: me, other users, applications, devices, grouped. */
export function OwnerFilter({
  value,
  onChange,
  me,
}: {
  value: string
  onChange: (v: string) => void
  me: User | null
}) {
  const dir = useDirectory()
  const others = dir.users.filter((u) => u.id !== me?.id)
  return (
    <label>
      <span>Owner</span>
      <select name="owner" value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">Any owner</option>
        {me && <option value={ownerValue({ kind: 'user', id: me.id })}>Me ({me.email})</option>}
        {others.length > 0 && (
          <optgroup label="Users">
            {others.map((u) => (
              <option key={u.id} value={ownerValue({ kind: 'user', id: u.id })}>
                {u.email}
              </option>
            ))}
          </optgroup>
        )}
        {dir.applications.length > 0 && (
          <optgroup label="Applications">
            {dir.applications.map((a) => (
              <option key={a.id} value={ownerValue({ kind: 'application', id: a.id })}>
                {a.name}
              </option>
            ))}
          </optgroup>
        )}
        {dir.devices.length > 0 && (
          <optgroup label="Devices">
            {dir.devices.map((d) => (
              <option key={d.id} value={ownerValue({ kind: 'device', id: d.id })}>
                {dir.ownerName({ kind: 'device', id: d.id })}
              </option>
            ))}
          </optgroup>
        )}
      </select>
    </label>
  )
}
