import { useState, type FormEvent } from 'react'
import { type NamedLimitInput, toApiError, type ApiError } from '../../api'
import { ErrorNote } from '../ui'

const EMPTY = { name: '', limit: '', window_s: '60', auto_apply: true }
type Row = typeof EMPTY

const toRow = (l: NamedLimitInput): Row => ({
  name: l.name,
  limit: String(l.limit),
  window_s: String(l.window_s),
  auto_apply: l.auto_apply ?? false,
})
const toLimit = (r: Row): NamedLimitInput => ({
  name: r.name.trim(),
  limit: Number(r.limit),
  window_s: Number(r.window_s),
  auto_apply: r.auto_apply,
})

/** Edits a list of named limits (one row each, add and remove) and saves the whole list at once. */
export function LimitsEditor({
  initial,
  onSave,
}: {
  initial: readonly NamedLimitInput[]
  onSave: (limits: NamedLimitInput[]) => Promise<void>
}) {
  const [rows, setRows] = useState<Row[]>(initial.map(toRow))
  const [error, setError] = useState<ApiError | null>(null)
  const set = (i: number, patch: Partial<Row>) => setRows(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)))
  const save = async (e: FormEvent) => {
    e.preventDefault()
    setError(null)
    try {
      await onSave(rows.map(toLimit))
    } catch (err) {
      setError(toApiError(err))
    }
  }
  return (
    <form className="card limits-editor" onSubmit={save} noValidate aria-label="Rate limits">
      {rows.map((r, i) => (
        <fieldset key={i} className="limit-row">
          <legend>Limit {i + 1}</legend>
          <LimitInputs row={r} onChange={(p) => set(i, p)} />
          <button type="button" onClick={() => setRows(rows.filter((_, j) => j !== i))}>
            Remove
          </button>
        </fieldset>
      ))}
      <ErrorNote error={error} />
      <button type="button" onClick={() => setRows([...rows, EMPTY])}>
        Add limit
      </button>
      <button type="submit" className="primary">
        Save limits
      </button>
    </form>
  )
}

/** The inputs of one limit row. */
function LimitInputs({ row, onChange }: { row: Row; onChange: (p: Partial<Row>) => void }) {
  return (
    <>
      <label>
        Name <input value={row.name} onChange={(e) => onChange({ name: e.target.value })} />
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
