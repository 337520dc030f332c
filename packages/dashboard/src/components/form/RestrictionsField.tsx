import type { ApiError } from '../../api'
import { Field } from '../ui'
import type { KeyFormState } from './key-form-state'

/** The API's message for an entry of `restrictions.<list>` (`restrictions.ip_allow[2]`), if any. */
const listError = (error: ApiError | null, list: string) =>
  Object.entries(error?.fields ?? {}).find(([f]) => f.startsWith(`restrictions.${list}`))?.[1]

/** Where the key may be used: client addresses (CIDRs) and web origins; both empty means anywhere. */
export function RestrictionsField({
  form,
  set,
  error,
}: {
  form: KeyFormState
  set: (patch: Partial<KeyFormState>) => void
  error: ApiError | null
}) {
  return (
    <fieldset className="field">
      <legend>Usable from (optional)</legend>
      <Field
        label="Client addresses"
        error={listError(error, 'ip_allow')}
        hint="IPv4 or IPv6 addresses or CIDRs, separated by spaces or commas, e.g. 10.0.0.0/8 2001:db8::/32. Empty: any address."
      >
        {(p) => (
          <input
            {...p}
            name="ipAllow"
            value={form.ipAllow}
            onChange={(e) => set({ ipAllow: e.target.value })}
            autoComplete="off"
          />
        )}
      </Field>
      <Field
        label="Web origins"
        error={listError(error, 'origin_allow')}
        hint="e.g. https://app.example.com or *.example.com (any subdomain, not example.com itself); no scheme means https. Empty: any origin."
      >
        {(p) => (
          <input
            {...p}
            name="originAllow"
            value={form.originAllow}
            onChange={(e) => set({ originAllow: e.target.value })}
            autoComplete="off"
          />
        )}
      </Field>
    </fieldset>
  )
}
