import { useState } from 'react'
import { ActionOutcome } from '../ActionOutcome'
import type { Application } from '../../api'
import { useSession } from '../../session'
import { useKeyAction } from '../key/useKeyAction'
import { DeleteApplicationDialog } from './DeleteApplicationDialog'
import { RenameApplicationDialog } from './RenameApplicationDialog'

/** Rename and Delete for one application (the server allows them to its organization's admins and owners). */
export function ApplicationActions({ app, onRenamed }: { app: Application; onRenamed: (a: Application) => void }) {
  const { api } = useSession()
  const action = useKeyAction<Application>(onRenamed)
  const [dialog, setDialog] = useState<'none' | 'rename' | 'delete'>('none')
  const close = () => {
    setDialog('none')
    action.setError(null)
  }
  const props = { app, api, action, onClose: close }
  return (
    <>
      <div className="toolbar" role="group" aria-label="Application actions">
        <button type="button" disabled={action.busy} onClick={() => setDialog('rename')}>
          Rename
        </button>
        <button type="button" className="danger" disabled={action.busy} onClick={() => setDialog('delete')}>
          Delete application
        </button>
      </div>
      <ActionOutcome action={action} dialogOpen={dialog !== 'none'} />
      <RenameApplicationDialog {...props} open={dialog === 'rename'} />
      <DeleteApplicationDialog {...props} open={dialog === 'delete'} />
    </>
  )
}
