/** A key row's hashes the verify cache knows it by: the current secret's and, during a roll's grace, the old one's. */
export const hashesOf = (r: { hash: string; previous_hash: string | null }): string[] =>
  [r.hash, r.previous_hash].filter((h): h is string => h !== null)
