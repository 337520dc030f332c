import type { NamedLimit } from '../../api'
import { duration } from '../../format'

/** Named limits as a table: name, limit per window, and whether every verification checks it. */
export function LimitsTable({ limits, caption }: { limits: readonly NamedLimit[]; caption: string }) {
  if (limits.length === 0) return <p className="muted">No rate limits.</p>
  return (
    <div className="table-wrap">
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Limit</th>
            <th scope="col">Checked</th>
          </tr>
        </thead>
        <tbody>
          {limits.map((l) => (
            <tr key={l.name}>
              <td data-label="Name">
                <code>{l.name}</code>
              </td>
              <td data-label="Limit">
                {l.limit} per {duration(l.window_s)}
              </td>
              <td data-label="Checked">{l.auto_apply ? 'on every verification' : 'when a verification names it'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
