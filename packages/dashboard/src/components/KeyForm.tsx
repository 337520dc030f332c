import type { ApiError, ApiKey, KeyLimits } from '../api'
import { Field } from './ui'

/** Expiry choices: presets, a custom date, never, or (when editing) leave it as it is. */
export type ExpiryChoice = 'keep' | '7d' | '30d' | '1y' | 'never' | 'custom'
const PRESET_MS: Record<'7d' | '30d' | '1y', number> = { '7d': 7 * 86_400_000, '30d': 30 * 86_400_000, '1y': 365 * 86_400_000 }

/** The form's text state: everything as typed, converted to the API's shape only on submit. */
export interface KeyFormState {
  name: string
  description: string
  scopes: string
  expiry: ExpiryChoice
  customExpiry: string
  rateLimitOn: boolean
  rateLimit: string
  rateWindowS: string
  usageOn: boolean
  remaining: string
  refillOn: boolean
  refillAmount: string
  refillIntervalS: string
}

/** The create form's starting values. */
export const emptyKeyForm: KeyFormState = {
  name: '', description: '', scopes: '', expiry: 'never', customExpiry: '', rateLimitOn: false, rateLimit: '100', rateWindowS: '60',
  usageOn: false, remaining: '1000', refillOn: false, refillAmount: '1000', refillIntervalS: '86400',
}

/** The form state that shows an existing key as it is. */
export function keyFormOf(k: ApiKey): KeyFormState {
  return {
    ...emptyKeyForm, name: k.name ?? '', description: k.description ?? '', scopes: k.scopes.join(' '), expiry: 'keep',
    rateLimitOn: k.rate_limit !== null, rateLimit: String(k.rate_limit?.limit ?? 100), rateWindowS: String(k.rate_limit?.window_s ?? 60),
    usageOn: k.remaining !== null, remaining: String(k.remaining ?? 1000),
    refillOn: k.refill !== null, refillAmount: String(k.refill?.amount ?? 1000), refillIntervalS: String(k.refill?.interval_s ?? 86400),
  }
}

/** A number field's text as the API expects it; an unparsable entry is sent as is, so the API names the field. */
const int = (s: string): number => (s.trim() === '' ? Number.NaN : Number(s))

/** `expires_at` for the chosen option (undefined = unchanged). */
export function expiresAtOf(f: KeyFormState, now = Date.now()): string | null | undefined {
  if (f.expiry === 'keep') return undefined
  if (f.expiry === 'never') return null
  if (f.expiry === 'custom') return f.customExpiry ? new Date(f.customExpiry).toISOString() : 'not a date'
  return new Date(now + PRESET_MS[f.expiry]).toISOString()
}

/** Rate limit, usage limit and refill as the API's fields (null clears them). */
export function limitsOf(f: KeyFormState): Required<Pick<KeyLimits, 'rate_limit' | 'remaining' | 'refill'>> {
  return {
    rate_limit: f.rateLimitOn ? { limit: int(f.rateLimit), window_s: int(f.rateWindowS) } : null,
    remaining: f.usageOn ? int(f.remaining) : null,
    refill: f.usageOn && f.refillOn ? { amount: int(f.refillAmount), interval_s: int(f.refillIntervalS) } : null,
  }
}

/** The API error for a field or anything under it (`rate_limit` covers `rate_limit.limit`). */
export function fieldError(error: ApiError | null, ...prefixes: string[]): string | undefined {
  if (!error) return undefined
  for (const [field, message] of Object.entries(error.fields)) {
    if (prefixes.some((p) => field === p || field.startsWith(p + '.'))) return message
  }
  return undefined
}

const WINDOWS: [string, string][] = [['1', 'second'], ['60', 'minute'], ['3600', 'hour'], ['86400', 'day']]
const REFILLS: [string, string][] = [['3600', 'every hour'], ['86400', 'every day'], ['604800', 'every week'], ['2592000', 'every 30 days']]

/** Name, description, scopes, expiry and limits: the fields shared by the create and edit forms. */
export function KeyFields({ form, set, error, editing = false }: {
  form: KeyFormState
  set: (patch: Partial<KeyFormState>) => void
  error: ApiError | null
  editing?: boolean
}) {
  const expiryChoices: [ExpiryChoice, string][] = [
    ...(editing ? [['keep', 'Unchanged'] as [ExpiryChoice, string]] : []),
    ['7d', '7 days'], ['30d', '30 days'], ['1y', '1 year'], ['never', 'Never'], ['custom', 'Pick a date'],
  ]
  const nameError = fieldError(error, 'name') ?? (error?.code === 'conflict' ? error.message : undefined)
  return (
    <>
      <Field label="Name" error={nameError}>
        {(p) => <input {...p} name="name" value={form.name} onChange={(e) => set({ name: e.target.value })} autoComplete="off" />}
      </Field>
      <Field label="Description (optional)" error={fieldError(error, 'description')}>
        {(p) => <textarea {...p} name="description" rows={2} value={form.description} onChange={(e) => set({ description: e.target.value })} />}
      </Field>
      <Field label="Scopes" hint="Separated by spaces or commas, e.g. read:users write:users. None = everything the owner may do."
        error={fieldError(error, 'scopes') ?? (error?.code === 'forbidden' && /scope/.test(error.message) ? error.message : undefined)}>
        {(p) => <input {...p} name="scopes" value={form.scopes} onChange={(e) => set({ scopes: e.target.value })} autoComplete="off" />}
      </Field>
      <fieldset className={`field${fieldError(error, 'expires_at') ? ' field-invalid' : ''}`}>
        <legend>Expires</legend>
        <div className="choices">
          {expiryChoices.map(([value, label]) => (
            <label key={value} className="choice">
              <input type="radio" name="expiry" value={value} checked={form.expiry === value} onChange={() => set({ expiry: value })} /> {label}
            </label>
          ))}
        </div>
        {form.expiry === 'custom' && (
          <input type="datetime-local" aria-label="Expiry date" value={form.customExpiry} onChange={(e) => set({ customExpiry: e.target.value })} />
        )}
        {fieldError(error, 'expires_at') && <small className="field-error" role="alert">{fieldError(error, 'expires_at')}</small>}
      </fieldset>
      <fieldset className="field">
        <legend>Rate limit</legend>
        <label className="choice"><input type="checkbox" name="rateLimitOn" checked={form.rateLimitOn} onChange={(e) => set({ rateLimitOn: e.target.checked })} /> Limit requests</label>
        {form.rateLimitOn && (
          <div className="inline">
            <Field label="Requests" error={fieldError(error, 'rate_limit.limit', 'rate_limit')}>
              {(p) => <input {...p} name="rateLimit" type="number" min={1} inputMode="numeric" value={form.rateLimit} onChange={(e) => set({ rateLimit: e.target.value })} />}
            </Field>
            <Field label="per" error={fieldError(error, 'rate_limit.window_s')}>
              {(p) => (
                <select {...p} name="rateWindowS" value={form.rateWindowS} onChange={(e) => set({ rateWindowS: e.target.value })}>
                  {WINDOWS.map(([v, l]) => <option key={v} value={v}>{l}</option>)}
                  {!WINDOWS.some(([v]) => v === form.rateWindowS) && <option value={form.rateWindowS}>{form.rateWindowS} s</option>}
                </select>
              )}
            </Field>
          </div>
        )}
      </fieldset>
      <fieldset className="field">
        <legend>Usage limit</legend>
        <label className="choice"><input type="checkbox" name="usageOn" checked={form.usageOn} onChange={(e) => set({ usageOn: e.target.checked })} /> Limit the number of verifications</label>
        {form.usageOn && (
          <>
            <Field label="Uses left" error={fieldError(error, 'remaining')}>
              {(p) => <input {...p} name="remaining" type="number" min={0} inputMode="numeric" value={form.remaining} onChange={(e) => set({ remaining: e.target.value })} />}
            </Field>
            <label className="choice"><input type="checkbox" name="refillOn" checked={form.refillOn} onChange={(e) => set({ refillOn: e.target.checked })} /> Refill automatically</label>
            {form.refillOn && (
              <div className="inline">
                <Field label="Refill to" error={fieldError(error, 'refill.amount', 'refill')}>
                  {(p) => <input {...p} name="refillAmount" type="number" min={1} inputMode="numeric" value={form.refillAmount} onChange={(e) => set({ refillAmount: e.target.value })} />}
                </Field>
                <Field label="How often" error={fieldError(error, 'refill.interval_s')}>
                  {(p) => (
                    <select {...p} name="refillIntervalS" value={form.refillIntervalS} onChange={(e) => set({ refillIntervalS: e.target.value })}>
                      {REFILLS.map(([v, l]) => <option key={v} value={v}>{l}</option>)}
                      {!REFILLS.some(([v]) => v === form.refillIntervalS) && <option value={form.refillIntervalS}>every {form.refillIntervalS} s</option>}
                    </select>
                  )}
                </Field>
              </div>
            )}
          </>
        )}
      </fieldset>
    </>
  )
}
