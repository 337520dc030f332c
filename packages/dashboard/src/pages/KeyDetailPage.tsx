import { useState } from 'react'
import { Link, useParams } from 'react-router'
import type { ApiKey } from '../api'
import { DeleteDialog } from '../components/key/DeleteDialog'
import { KeyActions, type KeyDialog } from '../components/key/KeyActions'
import { KeyActivity } from '../components/key/KeyActivity'
import { KeyEditForm } from '../components/key/KeyEditForm'
import { KeyFacts } from '../components/key/KeyFacts'
import { LeakBanner } from '../components/key/LeakBanner'
import { RevokeDialog } from '../components/key/RevokeDialog'
import { RevokeMintedDialog } from '../components/key/RevokeMintedDialog'
import { EndGraceDialog } from '../components/key/EndGraceDialog'
import { RollDialog } from '../components/key/RollDialog'
import { useKeyAction } from '../components/key/useKeyAction'
import { SecretDialog } from '../components/SecretDialog'
import { LoadFailed, NotFound } from '../components/NotFound'
import { ErrorNote, Loading, StatusBadge, useLoad } from '../components/ui'
import { displayStatus, idParam } from '../format'
import { useSession } from '../session'

const KEYS = { what: 'key', back: '/keys', backLabel: 'keys' }

/** One key: its facts, edit form, lifecycle actions, usage and audit trail. */
export function KeyDetailPage() {
  const id = idParam(useParams().id)
  return id === null ? <NotFound {...KEYS} /> : <KeyPage id={id} />
}

function KeyPage({ id }: { id: number }) {
  const { api } = useSession()
  const key = useLoad(() => api.getKey(id), [api, id])
  // Counts every action done here: what an action changed beside the key (the keys it made) is read again.
  const [version, setVersion] = useState(0)
  const action = useKeyAction((k) => {
    key.set(k)
    setVersion((v) => v + 1)
  })
  const [editing, setEditing] = useState(false)
  const [dialog, setDialog] = useState<KeyDialog>('none')
  const [secret, setSecret] = useState<string | null>(null)

  if (key.loading && !key.data) return <Loading what="Loading key" />
  if (key.error || !key.data) return <LoadFailed error={key.error} {...KEYS} />
  const k: ApiKey = key.data
  const open = (d: KeyDialog) => {
    action.setError(null)
    setDialog(d)
  }
  const dialogProps = { k, api, action, open: true, onClose: () => setDialog('none') }
  return (
    <section aria-labelledby="key-title">
      <p className="crumbs">
        <Link to="/keys">API keys</Link> /
      </p>
      <LeakBanner
        k={k}
        version={version}
        onRevoke={() => open('revoke')}
        onRevokeMinted={() => open('revoke-minted')}
      />
      <header className="page-head">
        <h1 id="key-title">
          {k.name ?? <em>unnamed key</em>} <StatusBadge status={displayStatus(k)} />
        </h1>
        <KeyActions
          k={k}
          api={api}
          action={action}
          onOpen={open}
          onEdit={
            editing
              ? undefined
              : () => {
                  action.setError(null)
                  setEditing(true)
                }
          }
        />
      </header>
      <p className="notice" role="status" aria-live="polite">
        {action.notice}
      </p>
      {dialog === 'none' && !editing && <ErrorNote error={action.error} />}
      {editing ? <KeyEditForm k={k} api={api} action={action} onDone={() => setEditing(false)} /> : <KeyFacts k={k} />}
      <KeyActivity id={id} updatedAt={k.updated_at} />
      {dialog === 'roll' && <RollDialog {...dialogProps} onSecret={setSecret} />}
      {dialog === 'end-grace' && <EndGraceDialog {...dialogProps} />}
      {dialog === 'revoke' && <RevokeDialog {...dialogProps} />}
      {dialog === 'revoke-minted' && <RevokeMintedDialog {...dialogProps} />}
      {dialog === 'delete' && <DeleteDialog {...dialogProps} />}
      <SecretDialog secret={secret} title="New secret for this key" onDone={() => setSecret(null)} />
    </section>
  )
}
