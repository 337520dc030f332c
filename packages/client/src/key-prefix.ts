/** Characters of a key's body shown after its `prefix_` (Keyward's `VISIBLE_BODY_CHARS`). */
const VISIBLE_BODY_CHARS = 6
/** Keyward's `PREFIX_PATTERN`: what may stand before a key's `_` as its label. */
const LABEL = /^[a-z][a-z0-9]{0,15}$/

/**
 * The visible start of a key (`kw_AbC123` of `kw_AbC123…`): what Keyward stores and shows as
 * `key_prefix`, and all that `keys.list({ prefix })` can match on. The same rule as the server's
 * `visiblePrefix` (`keyward/src/core/key-format.ts`; a test there holds them equal): this package
 * has no dependencies, so it keeps its own copy.
 */
export function keyPrefixOf(key: string): string {
  const underscore = key.indexOf('_')
  // A label only by Keyward's rule for prefixes: a secret's own characters before a `_` are not one.
  if (underscore > 0 && LABEL.test(key.slice(0, underscore))) return key.slice(0, underscore + 1 + VISIBLE_BODY_CHARS)
  return key.slice(0, VISIBLE_BODY_CHARS)
}
