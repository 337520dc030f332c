import { useState } from 'react'
import { ActionOutcome } from '../ActionOutcome'
import type { Organization } from '../../api'
import { useOrg } from '../../orgs'
import { useSession } from '../../session'
import { useKeyAction } from '../key/useKeyAction'
import { DeleteOrgDialog } from './DeleteOrgDialog'
import { RenameOrgDialog } from './RenameOrgDialog'

/**
 * Rename (admins: `can.update`) and Delete (owners: `can.delete`; never a personal organization, which the server
 * refuses) for the organization chosen in the header.
 */
export function OrgActions({ org, onDeleted }: { org: Organization; onDeleted: (notice: string) => void }) {
  const { api } = useSession()
  const { reload } = useOrg()
  const action = useKeyAction<Organization>(reload)
  const [dialog, setDialog] = useState<'none' | 'rename' | 'delete'>('none')
  const close = () => {
    setDialog('none')
    action.setError(null)
  }
  if (!org.can.update && !org.can.delete) return null
  const props = { org, api, action, onClose: close }
  return (
    <>
      <div className="toolbar" role="group" aria-label="Organization actions">
        {org.can.update && (
          <button type="button" disabled={action.busy} onClick={() => setDialog('rename')}>
            Rename organization
          </button>
        )}
        {org.can.delete && !org.personal && (
          <button type="button" className="danger" disabled={action.busy} onClick={() => setDialog('delete')}>
            Delete organization
          </button>
        )}
      </div>
      <ActionOutcome action={action} dialogOpen={dialog !== 'none'} />
      <RenameOrgDialog {...props} open={dialog === 'rename'} />
      <DeleteOrgDialog {...props} open={dialog === 'delete'} onDeleted={onDeleted} />
    </>
  )
}
