import type { NamedLimit } from '../../api'
import { duration } from '../../format'
import { type Column, DataTable } from '../DataTable'

const COLUMNS: Column<NamedLimit>[] = [
  { header: 'Name', cell: (l) => <code>{l.name}</code> },
  { header: 'Limit', cell: (l) => `${l.limit} per ${duration(l.window_s)}` },
  { header: 'Checked', cell: (l) => (l.auto_apply ? 'on every verification' : 'when a verification names it') },
]

/** Named limits as a table: name, limit per window, and whether every verification checks it. */
export function LimitsTable({ limits, caption }: { limits: readonly NamedLimit[]; caption: string }) {
  if (limits.length === 0) return <p className="muted">No rate limits.</p>
  return <DataTable rows={limits} columns={COLUMNS} rowKey={(l) => l.name} caption={caption} />
}
