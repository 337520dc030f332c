import type { ApiError } from '../../api'
import { useDirectory } from '../../directory'
import { useSession } from '../../session'
import { fieldError } from '../form/key-form-state'
import { Field } from '../ui'

/** Admins only: the user a new webhook belongs to (it receives events about what that user may see). */
export function WebhookOwnerField({
  value,
  onChange,
  error,
}: {
  value: string
  onChange: (v: string) => void
  error: ApiError | null
}) {
  const { user } = useSession()
  const { users } = useDirectory()
  return (
    <Field
      label="Owner"
      hint="An admin's webhook receives events about every key; a member's only about the keys that member may see."
      error={fieldError(error, 'owner')}
    >
      {(p) => (
        <select {...p} name="owner" value={value} onChange={(e) => onChange(e.target.value)}>
          <option value="">Me ({user?.email})</option>
          {users
            .filter((u) => u.id !== user?.id)
            .map((u) => (
              <option key={u.id} value={String(u.id)}>
                {u.email}
              </option>
            ))}
        </select>
      )}
    </Field>
  )
}
