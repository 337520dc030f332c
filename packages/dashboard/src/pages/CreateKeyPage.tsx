import { useEffect, useRef, useState, type FormEvent } from 'react'
import { useNavigate, useSearchParams } from 'react-router'
import { ApiError, type CreatedKey, toApiError } from '../api'
import { KeyFields } from '../components/form/KeyFields'
import { emptyKeyForm, expiresAtOf, limitsOf, metaOf, type KeyFormState } from '../components/form/key-form-state'
import { OwnerField } from '../components/form/OwnerField'
import { PrefixField } from '../components/form/PrefixField'
import { SecretDialog } from '../components/SecretDialog'
import { ErrorNote } from '../components/ui'
import { useDraft } from '../components/useDraft'
import { focusFirstInvalid } from '../components/focus'
import { ownerValue, parseOwner, parseScopes } from '../format'
import { useSession } from '../session'

/** The create-key form; on success the secret is shown once, then the key's page opens. What was typed survives a session ending. */
export function CreateKeyPage() {
  const { api, user } = useSession()
  const navigate = useNavigate()
  const [params] = useSearchParams()
  const mine = user ? ownerValue({ kind: 'user', id: user.id }) : ''
  const [draft, setDraft, clearDraft] = useDraft('create-key', { ...emptyKeyForm, owner: params.get('owner') ?? mine })
  const [error, setError] = useState<ApiError | null>(null)
  const [busy, setBusy] = useState(false)
  const [created, setCreated] = useState<CreatedKey | null>(null)
  const formRef = useRef<HTMLFormElement>(null)
  const set = (patch: Partial<KeyFormState & { owner: string }>) => setDraft((f) => ({ ...f, ...patch }))
  useEffect(() => {
    formRef.current?.querySelector<HTMLElement>('select, input')?.focus()
  }, [])
  useEffect(() => {
    if (error) focusFirstInvalid(formRef.current)
  }, [error])

  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setBusy(true)
    setError(null)
    try {
      const o = parseOwner(draft.owner)
      setCreated(
        await api.createKey({
          name: draft.name.trim(),
          description: draft.description.trim() || null,
          scopes: parseScopes(draft.scopes),
          expires_at: expiresAtOf(draft),
          ...(o && !(o.kind === 'user' && o.id === user?.id) && { owner: o }),
          ...limitsOf(draft),
          meta: metaOf(draft),
          ...(draft.prefix.trim() && { prefix: draft.prefix.trim() }),
        }),
      )
      clearDraft()
    } catch (err) {
      setError(toApiError(err))
    } finally {
      setBusy(false)
    }
  }
  const fieldMessages = error && Object.keys(error.fields).length > 0
  return (
    <section aria-labelledby="create-title">
      <header className="page-head">
        <h1 id="create-title">Create an API key</h1>
      </header>
      <form ref={formRef} className="card form" onSubmit={submit} noValidate>
        {error &&
          !fieldMessages &&
          error.code !== 'conflict' &&
          !(error.code === 'forbidden' && /scope/.test(error.message)) && <ErrorNote error={error} />}
        {fieldMessages && (
          <p className="error-note" role="alert">
            Some fields need attention.
          </p>
        )}
        <OwnerField value={draft.owner} onChange={(owner) => set({ owner })} me={user} error={error} />
        <KeyFields form={draft} set={set} error={error} />
        <PrefixField form={draft} set={set} error={error} />
        <div className="actions">
          <button
            type="button"
            onClick={() => {
              clearDraft()
              void navigate(-1)
            }}
          >
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Creating…' : 'Create key'}
          </button>
        </div>
      </form>
      <SecretDialog
        secret={created?.key ?? null}
        title={`Key "${created?.api_key.name ?? ''}" created`}
        onDone={() => created && navigate(`/keys/${created.api_key.id}`, { replace: true })}
      />
    </section>
  )
}
