import { parseScopes } from '../../format'

/**
 * Said next to the create button while the scopes are empty: such a key holds its owner's full rights on
 * Keyward's own API (a new user made one without noticing; the field's hint said so, below the fold).
 */
export function UnscopedNotice({ scopes }: { scopes: string }) {
  if (parseScopes(scopes).length > 0) return null
  return (
    <p className="warning" role="note">
      No scopes: on Keyward&apos;s API this key holds its owner&apos;s full rights (create, change and revoke keys). Add
      scopes to narrow it.
    </p>
  )
}
