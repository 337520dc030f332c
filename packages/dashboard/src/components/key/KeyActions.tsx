import type { ApiKey } from '../../api'
import type { Api } from '../../api'
import type { KeyAction } from './useKeyAction'

/** Which confirmation a key page has open. */
export type KeyDialog = 'none' | 'roll' | 'revoke' | 'delete'

/** The key page's buttons: edit, disable/enable, roll and revoke (not for revoked keys), delete. */
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
          <EndGraceButton k={k} api={api} action={action} />
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

/**
 * Ends the last roll's grace period now, when the old secret turns out to be exposed: without a
 * second roll, so clients switch once. Shown only while that secret still works.
 */
function EndGraceButton({ k, api, action }: { k: ApiKey; api: Api; action: KeyAction }) {
  const end = k.previous_secret_expires_at
  if (!end || Date.parse(end) <= Date.now()) return null
  const message = 'Grace period ended: the old secret stopped working.'
  return (
    <button type="button" disabled={action.busy} onClick={() => action.act(message, () => api.endKeyGrace(k.id))}>
      End grace period
    </button>
  )
}
