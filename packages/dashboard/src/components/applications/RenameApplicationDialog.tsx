import { useEffect, useState } from 'react'
import type { Api, Application } from '../../api'
import type { KeyAction } from '../key/useKeyAction'
import { DialogActions } from '../DialogParts'
import { ErrorNote, Field, Modal } from '../ui'

export interface ApplicationDialogProps {
  app: Application
  api: Api
  action: KeyAction<Application>
  open: boolean
  onClose: () => void
}

/** A new name for the application; its slug follows (`<organization handle>/<name>`), which balena clients use. */
export function RenameApplicationDialog({ app, api, action, open, onClose }: ApplicationDialogProps) {
  const [name, setName] = useState(app.name)
  // Each opening starts from the name it has: a value typed and abandoned (Escape) stayed (helper-125).
  useEffect(() => {
    if (open) setName(app.name)
  }, [open, app.name])
  const rename = async () => {
    if (await action.act('Application renamed.', () => api.renameApplication(app.id, name.trim()))) onClose()
  }
  return (
    <Modal open={open} title="Rename this application?" onClose={onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault()
          void rename()
        }}
      >
        <p>
          Its slug changes with it: balena clients that look it up by <code>{app.slug}</code> must use the new one. Its
          devices and keys stay as they are.
        </p>
        <Field label="New name" hint="Letters, digits, dot, dash and underscore, from a letter or digit.">
          {(p) => <input {...p} name="name" value={name} onChange={(e) => setName(e.target.value)} required />}
        </Field>
        <ErrorNote error={action.error} />
        <DialogActions onCancel={onClose}>
          <button type="submit" className="primary" disabled={action.busy || name.trim() === app.name}>
            Rename
          </button>
        </DialogActions>
      </form>
    </Modal>
  )
}
