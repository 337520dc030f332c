import type { ApiError, ApiKey } from '../../api'
import { Field } from '../ui'
import { ExpiryField } from './ExpiryField'
import { IdentityField } from './IdentityField'
import { MetaField } from './MetaField'
import { NamedLimitsField } from './NamedLimitsField'
import { type KeyFormState, fieldError } from './key-form-state'
import { RestrictionsField } from './RestrictionsField'
import { UsageLimitField } from './UsageLimitField'

/** Scope problems: the schema's, or a 403 for scopes the creator does not hold. */
const scopeError = (error: ApiError | null) =>
  fieldError(error, 'scopes') ??
  (error?.code === 'forbidden' && /scope/.test(error.message) ? error.message : undefined)

/** Name, description, scopes, expiry, limits and metadata: the fields shared by the create and edit forms (`current`: the key being edited). */
export function KeyFields({
  form,
  set,
  error,
  current,
}: {
  form: KeyFormState
  set: (patch: Partial<KeyFormState>) => void
  error: ApiError | null
  current?: ApiKey
}) {
  const nameError = fieldError(error, 'name') ?? (error?.code === 'conflict' ? error.message : undefined)
  return (
    <>
      <Field label="Name" error={nameError}>
        {(p) => (
          <input
            {...p}
            name="name"
            maxLength={100}
            value={form.name}
            onChange={(e) => set({ name: e.target.value })}
            autoComplete="off"
          />
        )}
      </Field>
      <Field label="Description (optional)" error={fieldError(error, 'description')}>
        {(p) => (
          <textarea
            {...p}
            name="description"
            rows={2}
            maxLength={1000}
            value={form.description}
            onChange={(e) => set({ description: e.target.value })}
          />
        )}
      </Field>
      <Field
        label="Scopes (checked when your API verifies the key)"
        error={scopeError(error)}
        hint="Separated by spaces or commas, e.g. invoices:read invoices:write. On Keyward's own API a key with no scopes at all has its owner's rights; otherwise only the Keyward scopes it lists (keys:read, users:write, …), so a key with only your own scopes has none there."
      >
        {(p) => (
          <input
            {...p}
            name="scopes"
            value={form.scopes}
            onChange={(e) => set({ scopes: e.target.value })}
            autoComplete="off"
          />
        )}
      </Field>
      <ExpiryField form={form} set={set} error={error} current={current} />
      <NamedLimitsField form={form} set={set} error={error} />
      <UsageLimitField form={form} set={set} error={error} />
      <RestrictionsField form={form} set={set} error={error} />
      <IdentityField form={form} set={set} error={error} />
      <MetaField form={form} set={set} error={error} />
    </>
  )
}
