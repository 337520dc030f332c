/** The question asked when the secret dialog is dismissed without "I have stored it". */
export function ConfirmClose({ noun, onClose, onStay }: { noun: string; onClose: () => void; onStay: () => void }) {
  return (
    <div className="confirm-close" role="alert">
      <p>
        <strong>You will not see this {noun} again — close anyway?</strong>
      </p>
      <div className="actions">
        <button type="button" className="danger" onClick={onClose}>
          Close anyway
        </button>
        <button type="button" className="primary" autoFocus onClick={onStay}>
          Back to the {noun}
        </button>
      </div>
    </div>
  )
}
