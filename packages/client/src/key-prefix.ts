/** Characters of a key's body shown after its `prefix_` (Keyward's `VISIBLE_BODY_CHARS`). */
const VISIBLE_BODY_CHARS = 6

/**
 * The visible start of a key (`kw_AbC123` of `kw_AbC123…`): what Keyward stores and shows as
 * `key_prefix`, and all that `keys.list({ prefix })` can match on. The same rule as the server's
 * `visiblePrefix` (`keyward/src/core/key-format.ts`; a test there holds them equal): this package
 * has no dependencies, so it keeps its own copy.
 */
export function keyPrefixOf(key: string): string {
  const underscore = key.indexOf('_')
  if (underscore > 0 && underscore <= 16) return key.slice(0, underscore + 1 + VISIBLE_BODY_CHARS)
  return key.slice(0, VISIBLE_BODY_CHARS)
}
