import type { PageOptions } from './types.js'

/**
 * Walks newest-first, id-paged lists (`limit` + `before_id`): each next page asks for ids
 * below the last one seen, until a short page. `opts.limit` is the page size, not a total.
 */
export async function* byIdPages<T extends { id: number }, F extends PageOptions>(
  fetchPage: (f: F) => Promise<T[]>,
  filter: F,
): AsyncGenerator<T, void, undefined> {
  const size = filter.limit ?? 100
  let f: F = { ...filter, limit: size }
  for (;;) {
    const rows = await fetchPage(f)
    yield* rows
    const last = rows[rows.length - 1]
    if (rows.length < size || !last) return
    f = { ...f, before_id: last.id }
  }
}

/** Collects an async iterable into an array. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of items) out.push(item)
  return out
}
