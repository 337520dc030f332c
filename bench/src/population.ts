/**
 * The key populations every target is loaded with, and how a request picks its key.
 * Keys are made by the server's own key-format code, so flood keys carry a valid
 * `kw_` checksum (they pass the no-I/O check and reach the lookup) but exist nowhere.
 */
import { writeFileSync } from 'node:fs'
import { generateKey } from '../../packages/keyward/src/core/key-format.js'

/** A picker returns the index of the key the next request presents. */
export type Picker = () => number

/** `n` fresh well-formed keys (distinct with overwhelming probability: 256 random bits each). */
export function makeKeys(n: number): string[] {
  return Array.from({ length: n }, () => generateKey())
}

/** Writes keys one a line, for a target process to seed its store from. */
export function writeKeys(path: string, keys: readonly string[]): string {
  writeFileSync(path, keys.join('\n') + '\n')
  return path
}

/** Each request picks one of `n` keys uniformly at random. */
export function uniform(n: number): Picker {
  return () => Math.floor(Math.random() * n)
}

/**
 * Zipf over `n` ranks with exponent `s` (rank r drawn with weight 1 / r^s): a few hot
 * keys and a long tail. Inverse-CDF by binary search over a precomputed table.
 * The population is in random order, so rank r is an arbitrary key.
 */
export function zipf(n: number, s: number): Picker {
  const cdf = new Float64Array(n)
  let sum = 0
  for (let r = 0; r < n; r++) cdf[r] = sum += 1 / Math.pow(r + 1, s)
  for (let r = 0; r < n; r++) cdf[r]! /= sum
  return () => {
    const u = Math.random()
    let lo = 0
    let hi = n - 1
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (cdf[mid]! < u) lo = mid + 1
      else hi = mid
    }
    return lo
  }
}

/** Walks `0 … n-1` in order and wraps: every key once before any repeats (flood, cache fill). */
export function sequential(n: number): Picker {
  let i = 0
  return () => {
    const k = i
    i = (i + 1) % n
    return k
  }
}

/** Always the same key: the old single-hot-key measurement, kept as one labelled row. */
export function single(): Picker {
  return () => 0
}

/** Share of requests that go to the hottest 1 % of keys under a picker (sampled), for the report. */
export function hotShare(pick: Picker, n: number, samples = 100_000): number {
  const hot = Math.max(1, Math.floor(n / 100))
  let hits = 0
  for (let i = 0; i < samples; i++) if (pick() < hot) hits++
  return hits / samples
}
