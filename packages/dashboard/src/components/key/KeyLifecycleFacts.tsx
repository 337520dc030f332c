import type { ApiKey } from '../../api'
import { when } from '../../format'

/**
 * Why a key is not live, when it is not: its own disable, its person's deactivation (which
 * enabling the key does not lift: reactivating the user does), its revocation; and until when
 * the secret its last roll replaced still verifies.
 */
export function KeyLifecycleFacts({ k }: { k: ApiKey }) {
  return (
    <>
      {k.disabled_at && (
        <>
          <dt>Disabled</dt>
          <dd>{when(k.disabled_at)}</dd>
        </>
      )}
      {k.user_deactivated_at && (
        <>
          <dt>Its user deactivated</dt>
          <dd>
            {when(k.user_deactivated_at)}{' '}
            {!k.revoked_at && <span className="muted">(refused as DISABLED until the user is reactivated)</span>}
          </dd>
        </>
      )}
      {k.previous_secret_expires_at && !k.revoked_at && (
        <>
          <dt>Old secret</dt>
          <dd>
            verifies until {when(k.previous_secret_expires_at)}{' '}
            <span className="muted">(the last roll's grace period)</span>
          </dd>
        </>
      )}
      {k.revoked_at && (
        <>
          <dt>Revoked</dt>
          <dd>
            {when(k.revoked_at)}
            {k.revoked_reason && ` — ${k.revoked_reason}`}
          </dd>
        </>
      )}
    </>
  )
}
