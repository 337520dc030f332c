/**
 * A key's scopes as chips. A key with none holds all of its owner's rights on Keyward's API, so it
 * says so in a warning badge rather than a grey "no scopes" that reads as "can do nothing" (a new
 * user made such a "test key" with an admin's rights without noticing).
 */
export function ScopeList({ scopes }: { scopes: readonly string[] }) {
  if (scopes.length === 0)
    return (
      <span className="scope scope-all" title="On Keyward's API a key without scopes has its owner's rights">
        no scopes: full access
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
