import { invalid } from '../../../core/errors.js'

/**
 * The query string of a raw URL as balena clients write it: split on `&`, each
 * part at its first `=`, then name and value percent-decoded. The whole URL is
 * never decoded first: the SDK percent-encodes `&`, `'`, `+`… inside literals.
 * Parameters are a set: a repeated name is refused.
 */
export function splitQuery(rawUrl: string): Map<string, string> {
  const q = rawUrl.indexOf('?')
  const out = new Map<string, string>()
  if (q < 0) return out
  for (const part of rawUrl.slice(q + 1).split('&')) {
    if (part === '') continue
    const eq = part.indexOf('=')
    const name = decode(eq < 0 ? part : part.slice(0, eq))
    const value = eq < 0 ? '' : decode(part.slice(eq + 1))
    if (out.has(name)) throw invalid(`query parameter "${name}" is given twice`)
    out.set(name, value)
  }
  return out
}

/** The path of a raw URL, still percent-encoded. */
export const rawPath = (rawUrl: string): string => {
  const q = rawUrl.indexOf('?')
  return q < 0 ? rawUrl : rawUrl.slice(0, q)
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s)
  } catch {
    throw invalid(`malformed percent-encoding in the query string: "${s.slice(0, 40)}"`)
  }
}
