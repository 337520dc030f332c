import type { KeyListParams } from './useKeyListParams'

interface ChoiceFilterProps {
  p: KeyListParams
  name: 'status' | 'kind'
  label: string
  /** The first option's text, which clears the filter ("Any status"). */
  any: string
  choices: readonly string[]
}

/** A filter of the key list chosen from a fixed list (status, kind), applied at once. */
export function ChoiceFilter({ p, name, label, any, choices }: ChoiceFilterProps) {
  return (
    <label>
      <span>{label}</span>
      <select name={name} value={p[name]} onChange={(e) => p.setFilter(name, e.target.value)}>
        <option value="">{any}</option>
        {choices.map((c) => (
          <option key={c} value={c}>
            {c}
          </option>
        ))}
      </select>
    </label>
  )
}
