import { useState, type FormEvent } from 'react'
import { useNavigate, useSearchParams } from 'react-router'
import { ApiError, type CreatedKey, toApiError } from '../api'
import { KeyFields, emptyKeyForm, expiresAtOf, fieldError, limitsOf, type KeyFormState } from '../components/KeyForm'
import { SecretDialog } from '../components/SecretDialog'
import { ErrorNote, Field } from '../components/ui'
import { useDirectory } from '../directory'
import { ownerValue, parseOwner, parseScopes } from '../format'
import { useSession } from '../session'

/** The create-key form; on success the secret is shown once, then the key's page opens. */
export function CreateKeyPage() {
  const { api, user } = useSession()
  const dir = useDirectory()
  const navigate = useNavigate()
  const [params] = useSearchParams()
  const [form, setForm] = useState<KeyFormState>(emptyKeyForm)
  const [owner, setOwner] = useState(params.get('owner') ?? (user ? ownerValue({ kind: 'user', id: user.id }) : ''))
  const [error, setError] = useState<ApiError | null>(null)
  const [busy, setBusy] = useState(false)
  const [created, setCreated] = useState<CreatedKey | null>(null)
  const set = (patch: Partial<KeyFormState>) => setForm((f) => ({ ...f, ...patch }))

  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setBusy(true)
    setError(null)
    try {
      const o = parseOwner(owner)
      setCreated(await api.createKey({
        name: form.name.trim(),
        description: form.description.trim() || null,
        scopes: parseScopes(form.scopes),
        expires_at: expiresAtOf(form),
        ...(o && !(o.kind === 'user' && o.id === user?.id) && { owner: o }),
        ...limitsOf(form),
      }))
    } catch (err) {
      setError(toApiError(err))
    } finally {
      setBusy(false)
    }
  }
  const fieldMessages = error && Object.keys(error.fields).length > 0
  return (
    <section aria-labelledby="create-title">
      <header className="page-head"><h1 id="create-title">Create an API key</h1></header>
      <form className="card form" onSubmit={submit} noValidate>
        {error && !fieldMessages && error.code !== 'conflict' && !(error.code === 'forbidden' && /scope/.test(error.message)) && <ErrorNote error={error} />}
        {fieldMessages && <p className="error-note" role="alert">Some fields need attention.</p>}
        <Field label="Owner" hint="A user key acts for its user; an application's provisioning key registers devices; a device key acts for one device."
          error={fieldError(error, 'owner')}>
          {(p) => (
            <select {...p} name="owner" value={owner} onChange={(e) => setOwner(e.target.value)}>
              {user && <option value={ownerValue({ kind: 'user', id: user.id })}>Me ({user.email})</option>}
              {dir.users.filter((u) => u.id !== user?.id).map((u) => <option key={`u${u.id}`} value={ownerValue({ kind: 'user', id: u.id })}>User: {u.email}</option>)}
              {dir.applications.map((a) => <option key={`a${a.id}`} value={ownerValue({ kind: 'application', id: a.id })}>Application: {a.name}</option>)}
              {dir.devices.map((d) => <option key={`d${d.id}`} value={ownerValue({ kind: 'device', id: d.id })}>Device: {dir.ownerName({ kind: 'device', id: d.id })}</option>)}
            </select>
          )}
        </Field>
        <KeyFields form={form} set={set} error={error} />
        <div className="actions">
          <button type="button" onClick={() => navigate(-1)}>Cancel</button>
          <button type="submit" className="primary" disabled={busy}>{busy ? 'Creating…' : 'Create key'}</button>
        </div>
      </form>
      <SecretDialog secret={created?.key ?? null} title={`Key "${created?.api_key.name ?? ''}" created`}
        onDone={() => created && navigate(`/keys/${created.api_key.id}`, { replace: true })} />
    </section>
  )
}
