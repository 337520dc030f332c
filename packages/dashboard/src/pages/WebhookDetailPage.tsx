import { useMemo, useState } from 'react'
import { Link, useParams } from 'react-router'
import { useKeyAction } from '../components/key/useKeyAction'
import { LoadFailed, NotFound } from '../components/NotFound'
import { SecretDialog } from '../components/SecretDialog'
import { ErrorNote, Loading, useLoad } from '../components/ui'
import { WebhookActions, type WebhookDialog } from '../components/webhooks/WebhookActions'
import { WebhookDeliveries } from '../components/webhooks/WebhookDeliveries'
import { WebhookDialogs } from '../components/webhooks/WebhookDialogs'
import { WebhookFacts } from '../components/webhooks/WebhookFacts'
import { WebhookEditForm } from '../components/webhooks/WebhookEditForm'
import { idParam } from '../format'
import { useSession } from '../session'
import { type Webhook, WEBHOOK_SECRET, webhookApi } from '../webhooks'

const HOOKS = { what: 'webhook', back: '/webhooks', backLabel: 'webhooks' }

/** One webhook: its settings, edit, test, rotate and delete, and its deliveries with redelivery. */
export function WebhookDetailPage() {
  const id = idParam(useParams().id)
  return id === null ? <NotFound {...HOOKS} /> : <WebhookPage id={id} />
}

function WebhookPage({ id }: { id: number }) {
  const { api } = useSession()
  const hooks = useMemo(() => webhookApi(api), [api])
  const hook = useLoad(() => hooks.get(id), [hooks, id])
  const action = useKeyAction<Webhook>((w) => hook.set(w))
  const [editing, setEditing] = useState(false)
  const [dialog, setDialog] = useState<WebhookDialog>('none')
  const [secret, setSecret] = useState<string | null>(null)
  const [version, setVersion] = useState(0) // bumped when deliveries change
  const bump = () => setVersion((v) => v + 1)

  if (hook.loading && !hook.data) return <Loading what="Loading webhook" />
  if (hook.error || !hook.data) return <LoadFailed error={hook.error} {...HOOKS} />
  const w = hook.data
  const open = (d: WebhookDialog) => {
    action.setError(null)
    setDialog(d)
  }
  const test = () => void action.act('Test event queued: it appears under Deliveries.', () => hooks.test(id).then(bump))
  return (
    <section aria-labelledby="webhook-title">
      <p className="crumbs">
        <Link to="/webhooks">Webhooks</Link> /
      </p>
      <header className="page-head">
        <h1 id="webhook-title">{w.description ?? `Webhook #${w.id}`}</h1>
        <WebhookActions
          busy={action.busy}
          overlapUntil={w.previous_secret_expires_at}
          onEdit={editing ? undefined : () => setEditing(true)}
          onTest={test}
          onOpen={open}
        />
      </header>
      <p className="notice" role="status" aria-live="polite">
        {action.notice}
      </p>
      {dialog === 'none' && <ErrorNote error={action.error} />}
      {editing ? (
        <WebhookEditForm
          w={w}
          hooks={hooks}
          onSaved={(u) => (hook.set(u), setEditing(false))}
          onCancel={() => setEditing(false)}
        />
      ) : (
        <WebhookFacts w={w} />
      )}
      <WebhookDeliveries id={id} hooks={hooks} action={action} version={version} onChanged={bump} />
      <WebhookDialogs
        w={w}
        hooks={hooks}
        action={action}
        dialog={dialog}
        onClose={() => setDialog('none')}
        onSecret={setSecret}
      />
      <SecretDialog secret={secret} title="New signing secret" onDone={() => setSecret(null)} {...WEBHOOK_SECRET} />
    </section>
  )
}
