/** Which confirmation a webhook page has open. */
export type WebhookDialog = 'none' | 'rotate' | 'delete'

/** The webhook page's buttons: edit, send a test event, rotate the secret, delete. */
export function WebhookActions({
  busy,
  onEdit,
  onTest,
  onOpen,
}: {
  busy: boolean
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
      <button type="button" className="danger-outline" onClick={() => onOpen('delete')}>
        Delete
      </button>
    </div>
  )
}
