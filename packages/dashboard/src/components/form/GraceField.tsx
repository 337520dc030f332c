import { Field } from '../ui'

/** The API's longest grace periods: a key's roll (`RollBody`), a webhook's overlap (`RotateSecretBody`). */
export const MAX_ROLL_GRACE_S = 31_536_000
export const MAX_WEBHOOK_OVERLAP_S = 604_800

const PERIODS: [number, string][] = [
  [3600, '1 hour'],
  [86_400, '24 hours'],
  [604_800, '7 days'],
  [2_592_000, '30 days'],
  [7_776_000, '90 days'],
  [31_536_000, '1 year'],
]

/**
 * Grace periods offered when a secret is replaced, up to the API's `maxS` for it: [seconds, label]. Each
 * face is offered all its API allows (a key's roll stopped at 7 days though a year is allowed: a new user's find).
 */
export const GRACE_CHOICES = (none: string, maxS: number): [number, string][] => [
  [0, none],
  ...PERIODS.filter(([s]) => s <= maxS),
]

/** How long a replaced secret keeps working: a labelled select over `choices`. */
export function GraceField({
  label,
  choices,
  value,
  onChange,
}: {
  label: string
  choices: [number, string][]
  value: number
  onChange: (seconds: number) => void
}) {
  return (
    <Field label={label}>
      {(p) => (
        <select {...p} value={value} onChange={(e) => onChange(Number(e.target.value))}>
          {choices.map(([s, l]) => (
            <option key={s} value={s}>
              {l}
            </option>
          ))}
        </select>
      )}
    </Field>
  )
}
