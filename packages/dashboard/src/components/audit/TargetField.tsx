import { useId } from 'react'
import { TARGET_HINT } from './useAuditParams'

/** The audit log's Target filter; `invalid`: what was sent is no target, and the hint says how to type one. */
export function TargetField(props: { value: string; onChange: (v: string) => void; invalid: boolean }) {
  const hint = useId()
  return (
    <label>
      <span>Target</span>
      <input
        name="target"
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        placeholder="e.g. key #3"
        title={TARGET_HINT}
        aria-invalid={props.invalid}
        aria-describedby={props.invalid ? hint : undefined}
      />
      {props.invalid && (
        <small id={hint} className="field-error" role="alert">
          {TARGET_HINT}
        </small>
      )}
    </label>
  )
}
