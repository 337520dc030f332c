import type { Key, ReactNode } from 'react'

/** One column: its header, and what a row shows in it. */
export interface Column<T> {
  header: string
  /** The header is read by screen readers only (an actions column). */
  hideHeader?: boolean
  cell: (row: T) => ReactNode
  /** A tooltip for the cell (the full text of something shortened). */
  title?: (row: T) => string | undefined
}

/**
 * A table of rows, one column per `columns` entry. Each cell carries its header as `data-label`,
 * which the narrow-screen layout (styles.css, `.table-wrap`) shows next to the value.
 */
export function DataTable<T>({
  rows,
  columns,
  rowKey,
  label,
  caption,
  rowAttributes,
}: {
  rows: readonly T[]
  columns: readonly Column<T>[]
  rowKey: (row: T) => Key
  /** The table's accessible name, when it has no caption. */
  label?: string
  caption?: string
  /** Extra attributes of a row (`data-*`, for tests and styling). */
  rowAttributes?: (row: T) => Record<`data-${string}`, string | number>
}) {
  return (
    <div className="table-wrap">
      <table aria-label={label}>
        {caption && <caption>{caption}</caption>}
        <thead>
          <tr>
            {columns.map((c) => (
              <th scope="col" key={c.header}>
                {c.hideHeader ? <span className="visually-hidden">{c.header}</span> : c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={rowKey(row)} {...rowAttributes?.(row)}>
              {columns.map((c) => (
                <td key={c.header} data-label={c.hideHeader ? undefined : c.header} title={c.title?.(row)}>
                  {c.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
