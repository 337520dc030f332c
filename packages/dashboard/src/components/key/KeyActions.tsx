import type { ApiKey } from '../../api'
import type { Api } from '../../api'
import type { KeyAction } from './useKeyAction'

/** Which confirmation a key page has open. */
export type KeyDialog = 'none' | 'roll' | 'end-grace' | 'revoke' | 'revoke-minted' | 'delete'

/**
 * The key page's buttons: edit, disable/enable, roll and revoke (not for revoked keys), delete; none when the caller
 * may not change the key (`can_manage`: a viewer, another member's organization key, a key without `keys:write`).
 */
export function KeyActions({
  k,
  api,
  action,
  onEdit,
  onOpen,
}: {
  k: ApiKey
  api: Api
  action: KeyAction
  onEdit?: () => void
  onOpen: (d: KeyDialog) => void
}) {
  const { busy, act } = action
  if (!k.can_manage) return <p className="muted">You can see this key but not change it.</p>
  return (
    <div className="toolbar" role="group" aria-label="Key actions">
      {k.status !== 'revoked' && (
        <>
          {onEdit && (
            <button type="button" onClick={onEdit}>
              Edit
            </button>
          )}
          {k.disabled_at ? (
            <button type="button" disabled={busy} onClick={() => act(enabledMessage(k), () => api.enableKey(k.id))}>
              Enable
            </button>
          ) : (
            <button
              type="button"
              disabled={busy}
              onClick={() => act('Key disabled: it is refused until enabled.', () => api.disableKey(k.id))}
            >
              Disable
            </button>
          )}
          <button type="button" onClick={() => onOpen('roll')}>
            Roll
          </button>
          <EndGraceButton k={k} onOpen={onOpen} />
          <button type="button" className="danger" onClick={() => onOpen('revoke')}>
            Revoke
          </button>
        </>
      )}
      <button type="button" className="danger-outline" onClick={() => onOpen('delete')}>
        Delete
      </button>
    </div>
  )
}

/** Enabling lifts the key's own switch only: while its user is deactivated it stays refused. */
function enabledMessage(k: ApiKey): string {
  return k.user_deactivated_at
    ? 'Key enabled, but still refused (DISABLED) while its user is deactivated.'
    : 'Key enabled: it verifies again.'
}

/** Opens the end-grace confirmation while the secret the last roll replaced still works. */
function EndGraceButton({ k, onOpen }: { k: ApiKey; onOpen: (d: KeyDialog) => void }) {
  const end = k.previous_secret_expires_at
  if (!end || Date.parse(end) <= Date.now()) return null
  return (
    <button type="button" onClick={() => onOpen('end-grace')}>
      End grace period
    </button>
  )
}
