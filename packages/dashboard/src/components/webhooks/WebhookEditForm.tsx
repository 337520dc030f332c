import type { Webhook, WebhookApi } from '../../webhooks'
import { WebhookForm, type WebhookDraft } from './WebhookForm'

/** Edits a webhook's URL, events and description (the owner stays); an emptied description is cleared. */
export function WebhookEditForm({
  w,
  hooks,
  onSaved,
  onCancel,
}: {
  w: Webhook
  hooks: WebhookApi
  onSaved: (w: Webhook) => void
  onCancel: () => void
}) {
  const initial: WebhookDraft = { url: w.url, events: w.events, description: w.description ?? '', owner: '' }
  const save = async (d: WebhookDraft) =>
    onSaved(
      await hooks.update(w.id, {
        url: d.url.trim(),
        events: d.events,
        description: d.description.trim() || null,
      }),
    )
  return (
    <WebhookForm initial={initial} submitLabel="Save webhook" withOwner={false} onSubmit={save} onCancel={onCancel} />
  )
}
