import { useMemo, useState } from 'react'
import { useLocation } from 'react-router'
import { SecretDialog } from '../components/SecretDialog'
import { ErrorNote, Loading, useLoad } from '../components/ui'
import { WebhookForm, type WebhookDraft } from '../components/webhooks/WebhookForm'
import { WebhooksTable } from '../components/webhooks/WebhooksTable'
import { useSession } from '../session'
import { WEBHOOK_SECRET, webhookApi } from '../webhooks'

const EMPTY: WebhookDraft = { url: '', events: ['key.leaked', 'key.revoked'], description: '', owner: '' }

/** The webhooks the signed-in person may manage, and a form to add one (its signing secret is shown once). */
export function WebhooksPage() {
  const { api, user } = useSession()
  const hooks = useMemo(() => webhookApi(api), [api])
  const list = useLoad(() => hooks.list(), [hooks])
  const [secret, setSecret] = useState<string | null>(null)
  const [formKey, setFormKey] = useState(0)
  const notice = (useLocation().state as { notice?: string } | null)?.notice // after a deletion
  const create = async (d: WebhookDraft) => {
    const made = await hooks.create({
      url: d.url.trim(),
      events: d.events,
      ...(d.description.trim() && { description: d.description.trim() }),
      ...(d.owner && { owner: { kind: 'user', id: Number(d.owner) } }),
    })
    setSecret(made.secret)
    setFormKey((k) => k + 1) // a fresh, empty form
    list.reload()
  }
  return (
    <section aria-labelledby="webhooks-title">
      <header className="page-head">
        <h1 id="webhooks-title">Webhooks</h1>
      </header>
      <p className="notice" role="status" aria-live="polite">
        {notice}
      </p>
      <p className="hint">
        Keyward POSTs signed events (Standard Webhooks) to these URLs. Members manage their own webhooks and hear about
        their own keys; admins may manage all of them and hear about every key.
      </p>
      <h2>New webhook</h2>
      <WebhookForm
        key={formKey}
        initial={EMPTY}
        submitLabel="Add webhook"
        withOwner={user?.role === 'admin'}
        onSubmit={create}
      />
      <h2>Your webhooks</h2>
      {list.loading && !list.data && <Loading what="Loading webhooks" />}
      <ErrorNote error={list.error} />
      {list.data && <WebhooksTable webhooks={list.data} />}
      <SecretDialog
        secret={secret}
        title="Your webhook's signing secret"
        onDone={() => setSecret(null)}
        {...WEBHOOK_SECRET}
      />
    </section>
  )
}
