import { useState, type FormEvent } from 'react'
import { type ApiError, toApiError } from '../../api'
import type { WebhookEventType } from '../../webhooks'
import { fieldError } from '../form/key-form-state'
import { ErrorNote, Field } from '../ui'
import { EventPicker } from './EventPicker'
import { WebhookOwnerField } from './WebhookOwnerField'

/** What the webhook form edits; `owner` is a user id as text ('' = the signed-in person), create only. */
export interface WebhookDraft {
  url: string
  events: WebhookEventType[]
  description: string
  owner: string
}

/** The create and edit form of a webhook: URL, events, description and (admins creating one) the owner. */
export function WebhookForm({
  initial,
  submitLabel,
  withOwner,
  onSubmit,
  onCancel,
}: {
  initial: WebhookDraft
  submitLabel: string
  withOwner: boolean
  onSubmit: (d: WebhookDraft) => Promise<void>
  onCancel?: () => void
}) {
  const [draft, setDraft] = useState(initial)
  const [error, setError] = useState<ApiError | null>(null)
  const [busy, setBusy] = useState(false)
  const set = (patch: Partial<WebhookDraft>) => setDraft((d) => ({ ...d, ...patch }))
  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setBusy(true)
    setError(null)
    try {
      await onSubmit(draft)
    } catch (err) {
      setError(toApiError(err))
    } finally {
      setBusy(false)
    }
  }
  const fieldLevel = error && (fieldError(error, 'url', 'events', 'description', 'owner') ?? null)
  return (
    <form className="card form" onSubmit={submit} noValidate aria-label={submitLabel}>
      <Field label="URL" hint="https://… — Keyward POSTs signed events here." error={fieldError(error, 'url')}>
        {(p) => <input {...p} name="url" type="url" value={draft.url} onChange={(e) => set({ url: e.target.value })} />}
      </Field>
      <EventPicker value={draft.events} onChange={(events) => set({ events })} error={fieldError(error, 'events')} />
      <Field label="Description (optional)" error={fieldError(error, 'description')}>
        {(p) => (
          <input
            {...p}
            name="description"
            maxLength={1000}
            value={draft.description}
            onChange={(e) => set({ description: e.target.value })}
          />
        )}
      </Field>
      {withOwner && <WebhookOwnerField value={draft.owner} onChange={(owner) => set({ owner })} error={error} />}
      {error && !fieldLevel && <ErrorNote error={error} />}
      <div className="actions">
        {onCancel && (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {submitLabel}
        </button>
      </div>
    </form>
  )
}
