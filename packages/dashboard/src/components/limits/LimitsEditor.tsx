import { useState, type FormEvent } from 'react'
import { type NamedLimitInput, toApiError, type ApiError } from '../../api'
import { ErrorNote } from '../ui'
import { LimitRows } from './LimitRows'
import { limitOfRow, limitRowOf, type LimitRow } from './limit-rows'

/** Edits a list of named limits on its own (one row each, add and remove) and saves the whole list at once. */
export function LimitsEditor({
  initial,
  onSave,
}: {
  initial: readonly NamedLimitInput[]
  onSave: (limits: NamedLimitInput[]) => Promise<void>
}) {
  const [rows, setRows] = useState<LimitRow[]>(initial.map(limitRowOf))
  const [error, setError] = useState<ApiError | null>(null)
  const save = async (e: FormEvent) => {
    e.preventDefault()
    setError(null)
    try {
      await onSave(rows.map(limitOfRow))
    } catch (err) {
      setError(toApiError(err))
    }
  }
  return (
    <form className="card limits-editor" onSubmit={save} noValidate aria-label="Rate limits">
      <LimitRows rows={rows} onChange={setRows} />
      <ErrorNote error={error} />
      <button type="submit" className="primary">
        Save limits
      </button>
    </form>
  )
}
