import { useCallback, useEffect, useRef } from 'react'
import { useNavigate, useSearchParams } from 'react-router'
import { KeyFields } from '../components/form/KeyFields'
import { emptyKeyForm } from '../components/form/key-form-state'
import { OwnerField } from '../components/form/OwnerField'
import { PrefixField } from '../components/form/PrefixField'
import { SecretDialog } from '../components/SecretDialog'
import { ErrorNote } from '../components/ui'
import { useDraft } from '../components/useDraft'
import { focusFirstInvalid } from '../components/focus'
import { UnscopedNotice } from '../components/form/UnscopedNotice'
import { useSession } from '../session'
import { type CreateKeyDraft, useCreateKey } from './useCreateKey'
import { useDefaultOwner, useDraftOwner } from './useDraftOwner'

/** The create-key form; on success the secret is shown once, then the key's page opens. What was typed survives a session ending. */
export function CreateKeyPage() {
  const { user } = useSession()
  const navigate = useNavigate()
  const [params] = useSearchParams()
  const fallback = useDefaultOwner() ?? ''
  const [draft, setDraft, clearDraft] = useDraft('create-key', {
    ...emptyKeyForm,
    owner: params.get('owner') ?? fallback,
    ownerDefault: fallback,
  })
  const { error, busy, created, submit } = useCreateKey(draft, clearDraft)
  const formRef = useRef<HTMLFormElement>(null)
  const set = useCallback((patch: Partial<CreateKeyDraft>) => setDraft((f) => ({ ...f, ...patch })), [setDraft])
  const pickOwner = useDraftOwner(draft, set, params.get('owner'))
  useEffect(() => {
    formRef.current?.querySelector<HTMLElement>('select, input')?.focus()
  }, [])
  useEffect(() => {
    if (error) focusFirstInvalid(formRef.current)
  }, [error])

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
        <OwnerField value={draft.owner} onChange={pickOwner} me={user} error={error} />
        <KeyFields form={draft} set={set} error={error} />
        <PrefixField form={draft} set={set} error={error} />
        <UnscopedNotice scopes={draft.scopes} />
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
