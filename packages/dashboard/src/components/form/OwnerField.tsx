import type { ApiError, User } from '../../api'
import { useDirectory } from '../../directory'
import { useOrg } from '../../orgs'
import { ownerValue } from '../../format'
import { Field } from '../ui'
import { fieldError } from './key-form-state'

/**
 * Who the new key acts for: me, another user, an organization I belong to (its own key: the CLI's
 * `--org`), an application (provisioning key) or a device. Of an organization's, only those your role there lets
 * you create (`can.create_organization_keys`, `can.create_keys`; where its organization is not known here, the
 * server decides).
 */
export function OwnerField({
  value,
  onChange,
  me,
  error,
}: {
  value: string
  onChange: (v: string) => void
  me: User | null
  error: ApiError | null
}) {
  const dir = useDirectory()
  const { organizations } = useOrg()
  const mayKeyIn = (orgId: number | undefined) => organizations.find((o) => o.id === orgId)?.can.create_keys !== false
  const orgOfApp = (id: number) => dir.applications.find((a) => a.id === id)?.organization_id
  return (
    <Field
      label="Owner"
      hint="A user key acts for its user; an organization's key for the organization; an application's provisioning key registers devices; a device key acts for one device."
      error={fieldError(error, 'owner')}
    >
      {(p) => (
        <select {...p} name="owner" value={value} onChange={(e) => onChange(e.target.value)}>
          {me && <option value={ownerValue({ kind: 'user', id: me.id })}>Me ({me.email})</option>}
          {dir.users
            .filter((u) => u.id !== me?.id)
            .map((u) => (
              <option key={`u${u.id}`} value={ownerValue({ kind: 'user', id: u.id })}>
                User: {u.email}
              </option>
            ))}
          {organizations
            .filter((o) => o.can.create_organization_keys)
            .map((o) => (
              <option key={`o${o.id}`} value={ownerValue({ kind: 'organization', id: o.id })}>
                Organization: {o.name}
              </option>
            ))}
          {dir.applications
            .filter((a) => mayKeyIn(a.organization_id))
            .map((a) => (
              <option key={`a${a.id}`} value={ownerValue({ kind: 'application', id: a.id })}>
                Application: {a.name}
              </option>
            ))}
          {dir.devices
            .filter((d) => mayKeyIn(orgOfApp(d.application_id)))
            .map((d) => (
              <option key={`d${d.id}`} value={ownerValue({ kind: 'device', id: d.id })}>
                Device: {dir.ownerName({ kind: 'device', id: d.id })}
              </option>
            ))}
        </select>
      )}
    </Field>
  )
}
