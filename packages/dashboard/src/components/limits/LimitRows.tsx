import { EMPTY_LIMIT_ROW, type LimitRow } from './limit-rows'

/**
 * The rows of a named-limits list (add, edit, remove), controlled by its form: the identity's
 * limits editor and the key form both use it. `rowError(i)`: the API's message for row i.
 */
export function LimitRows({
  rows,
  onChange,
  rowError = () => undefined,
}: {
  rows: readonly LimitRow[]
  onChange: (rows: LimitRow[]) => void
  rowError?: (i: number) => string | undefined
}) {
  const set = (i: number, patch: Partial<LimitRow>) => onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)))
  return (
    <>
      {rows.map((r, i) => (
        <fieldset key={i} className="limit-row">
          <legend>Limit {i + 1}</legend>
          <LimitInputs row={r} invalid={rowError(i) !== undefined} onChange={(p) => set(i, p)} />
          <button type="button" onClick={() => onChange(rows.filter((_, j) => j !== i))}>
            Remove
          </button>
          {rowError(i) && (
            <small className="field-error" role="alert">
              {rowError(i)}
            </small>
          )}
        </fieldset>
      ))}
      <button type="button" onClick={() => onChange([...rows, EMPTY_LIMIT_ROW])}>
        Add limit
      </button>
    </>
  )
}

/** The inputs of one limit row. */
function LimitInputs({
  row,
  invalid,
  onChange,
}: {
  row: LimitRow
  invalid: boolean
  onChange: (p: Partial<LimitRow>) => void
}) {
  return (
    <>
      <label>
        Limit name{' '}
        <input aria-invalid={invalid} value={row.name} onChange={(e) => onChange({ name: e.target.value })} />
      </label>
      <label>
        Limit <input inputMode="numeric" value={row.limit} onChange={(e) => onChange({ limit: e.target.value })} />
      </label>
      <label>
        Window (s){' '}
        <input inputMode="numeric" value={row.window_s} onChange={(e) => onChange({ window_s: e.target.value })} />
      </label>
      <label>
        <input type="checkbox" checked={row.auto_apply} onChange={(e) => onChange({ auto_apply: e.target.checked })} />{' '}
        every verification
      </label>
    </>
  )
}
