import { useSession } from '../../session'
import { Field, useLoad } from '../ui'
import { type KeyFieldProps, fieldError } from './key-form-state'

/** The identity whose shared limits and credits the key also obeys (identities the signed-in person can see). */
export function IdentityField({ form, set, error }: KeyFieldProps) {
  const { api } = useSession()
  const list = useLoad(() => api.listIdentities(), [api])
  const identities = list.data?.identities ?? []
  return (
    <Field
      label="Identity"
      hint="A customer whose limits and credits all its keys share."
      error={fieldError(error, 'identity_id') ?? (error?.code === 'not_found' ? error.message : undefined)}
    >
      {(p) => (
        <select {...p} name="identity" value={form.identity} onChange={(e) => set({ identity: e.target.value })}>
          <option value="">None</option>
          {identities.map((i) => (
            <option key={i.id} value={String(i.id)}>
              {i.external_id}
            </option>
          ))}
          {form.identity !== '' && !identities.some((i) => String(i.id) === form.identity) && (
            <option value={form.identity}>identity {form.identity}</option>
          )}
        </select>
      )}
    </Field>
  )
}
