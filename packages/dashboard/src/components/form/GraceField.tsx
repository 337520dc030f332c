import { Field } from '../ui'

/** Grace periods offered when a secret is replaced (a key's roll, a webhook's rotation): [seconds, label]. */
export const GRACE_CHOICES = (none: string): [number, string][] => [
  [0, none],
  [3600, '1 hour'],
  [86_400, '24 hours'],
  [604_800, '7 days'],
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
