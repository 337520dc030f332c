import { invalidField } from './errors.js'

/** How deep a key's `meta` may nest: `{"a":{"b":1}}` is 2 levels. */
export const META_MAX_DEPTH = 8
/** How long a key's `meta` may be, serialized as JSON (UTF-8 bytes). */
export const META_MAX_BYTES = 4096

/**
 * Nesting depth of a JSON value (a scalar is 0), walked without recursion so that a
 * value deep enough to overflow the stack is measured rather than crashing; stops
 * as soon as `limit` is passed.
 */
export function jsonDepth(value: unknown, limit = Infinity): number {
  let max = 0
  const stack: [unknown, number][] = [[value, 0]]
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!
    if (v === null || typeof v !== 'object') continue
    max = Math.max(max, depth + 1)
    if (max > limit) return max
    for (const child of Object.values(v)) stack.push([child, depth + 1])
  }
  return max
}

/**
 * A key's `meta` as stored: refused (400, `details` shaped as schema errors', so forms show it at the
 * field) beyond META_MAX_DEPTH levels or META_MAX_BYTES.
 * Meta is copied into every verify answer and cache entry, so it stays small; and a
 * deeply nested value would overflow `JSON.stringify` (a 500) here or when answered.
 */
export function serializeMeta(meta: Record<string, unknown>): string {
  if (jsonDepth(meta, META_MAX_DEPTH) > META_MAX_DEPTH)
    throw invalidField('meta', `Metadata (meta) may nest at most ${META_MAX_DEPTH} levels`)
  const json = JSON.stringify(meta)
  if (Buffer.byteLength(json) > META_MAX_BYTES)
    throw invalidField('meta', `Metadata (meta) may be at most ${META_MAX_BYTES} bytes as JSON`)
  return json
}
