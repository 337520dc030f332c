/**
 * A key's scopes as chips. A key with none holds all of its owner's rights on Keyward's API, so it
 * says so in a warning badge rather than a grey "no scopes" that reads as "can do nothing" (a new
 * user made such a "test key" with an admin's rights without noticing); and that it holds none of your
 * API's scopes, which verify checks ("full access" alone read as the opposite: a later new user's find).
 */
export function ScopeList({ scopes }: { scopes: readonly string[] }) {
  if (scopes.length === 0)
    return (
      <span
        className="scope scope-all"
        title="Verify refuses it any scope your API asks for; on Keyward's own API it has all of its owner's rights"
      >
        none: full rights on Keyward's API
      </span>
    )
  return (
    <>
      {scopes.map((s) => (
        <code key={s} className="scope">
          {s}
        </code>
      ))}
    </>
  )
}
