/** Which confirmation a webhook page has open. */
export type WebhookDialog = 'none' | 'rotate' | 'end-overlap' | 'delete'

/** The webhook page's buttons: edit, send a test event, rotate the secret, end a rotation's overlap, delete. */
export function WebhookActions({
  busy,
  overlapUntil,
  onEdit,
  onTest,
  onOpen,
}: {
  busy: boolean
  /** When the replaced secret stops signing (null: no overlap). */
  overlapUntil: string | null
  onEdit?: () => void
  onTest: () => void
  onOpen: (d: WebhookDialog) => void
}) {
  return (
    <div className="toolbar" role="group" aria-label="Webhook actions">
      {onEdit && (
        <button type="button" onClick={onEdit}>
          Edit
        </button>
      )}
      <button type="button" disabled={busy} onClick={onTest}>
        Send test event
      </button>
      <button type="button" onClick={() => onOpen('rotate')}>
        Rotate secret
      </button>
      {overlapUntil && Date.parse(overlapUntil) > Date.now() && (
        <button type="button" className="danger-outline" onClick={() => onOpen('end-overlap')}>
          End overlap
        </button>
      )}
      <button type="button" className="danger-outline" onClick={() => onOpen('delete')}>
        Delete
      </button>
    </div>
  )
}
