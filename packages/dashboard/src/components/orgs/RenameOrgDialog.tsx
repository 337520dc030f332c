import { useEffect, useState } from 'react'
import type { Api, Organization } from '../../api'
import type { KeyAction } from '../key/useKeyAction'
import { DialogActions } from '../DialogParts'
import { ErrorNote, Field, Modal } from '../ui'

export interface OrgDialogProps {
  org: Organization
  api: Api
  action: KeyAction<Organization>
  open: boolean
  onClose: () => void
}

/** A new name and handle; its applications' slugs (`<handle>/<name>`) follow the handle. */
export function RenameOrgDialog({ org, api, action, open, onClose }: OrgDialogProps) {
  const [name, setName] = useState(org.name)
  const [handle, setHandle] = useState(org.handle)
  // Each opening starts from what it has, not from a value typed and abandoned.
  useEffect(() => {
    if (!open) return
    setName(org.name)
    setHandle(org.handle)
  }, [open, org.name, org.handle])
  const patch = { name: name.trim(), handle: handle.trim() }
  const unchanged = patch.name === org.name && patch.handle === org.handle
  const rename = async () => {
    if (await action.act('Organization renamed.', () => api.updateOrganization(org.id, patch))) onClose()
  }
  const fields = action.error?.fields ?? {}
  return (
    <Modal open={open} title="Rename this organization?" onClose={onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault()
          void rename()
        }}
      >
        <Field label="New name" error={fields.name}>
          {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} required />}
        </Field>
        <Field
          label="New handle"
          hint="Its applications' slugs change with it: balena clients that look one up by slug must use the new one."
          error={fields.handle}
        >
          {(p) => <input {...p} value={handle} onChange={(e) => setHandle(e.target.value)} required />}
        </Field>
        <ErrorNote error={Object.keys(fields).length === 0 ? action.error : null} />
        <DialogActions onCancel={onClose}>
          <button type="submit" className="primary" disabled={action.busy || unchanged}>
            Rename
          </button>
        </DialogActions>
      </form>
    </Modal>
  )
}
