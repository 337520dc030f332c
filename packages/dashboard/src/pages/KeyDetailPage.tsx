import { useState, type FormEvent } from 'react'
import { Link, useNavigate, useParams } from 'react-router'
import { ApiError, type ApiKey, type UpdateKeyInput, toApiError } from '../api'
import { AuditTable } from '../components/AuditTable'
import { KeyFields, expiresAtOf, keyFormOf, limitsOf, type KeyFormState } from '../components/KeyForm'
import { SecretDialog } from '../components/SecretDialog'
import { UsageChart } from '../components/UsageChart'
import { Empty, ErrorNote, Field, Loading, Modal, StatusBadge, useLoad } from '../components/ui'
import { useDirectory } from '../directory'
import { displayStatus, duration, parseScopes, relative, when } from '../format'
import { useSession } from '../session'

type Dialog = 'none' | 'roll' | 'revoke' | 'delete'
const GRACE: [number, string][] = [[0, 'No grace: the old key stops now'], [3600, '1 hour'], [86_400, '24 hours'], [604_800, '7 days']]

/** One key: its facts, edit form, lifecycle actions and audit trail. */
export function KeyDetailPage() {
  const id = Number(useParams().id)
  const { api } = useSession()
  const { ownerName } = useDirectory()
  const navigate = useNavigate()
  const key = useLoad(() => api.getKey(id), [api, id])
  const trail = useLoad(async () => (await api.audit({ target_id: String(id), limit: 100 })).events.filter((e) => e.target_type === 'api_key'), [api, id, key.data?.updated_at])
  const usage = useLoad(async () => (await api.keyUsage(id, 30)).days, [api, id, key.data?.updated_at])
  const [editing, setEditing] = useState<KeyFormState | null>(null)
  const [dialog, setDialog] = useState<Dialog>('none')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<ApiError | null>(null)
  const [secret, setSecret] = useState<string | null>(null)
  const [grace, setGrace] = useState(3600)
  const [reason, setReason] = useState('')
  const [typed, setTyped] = useState('')
  const [notice, setNotice] = useState('')

  if (key.loading && !key.data) return <Loading what="Loading key" />
  if (key.error || !key.data) {
    return (
      <Empty>
        <ErrorNote error={key.error instanceof ApiError && key.error.code === 'not_found' ? 'This key does not exist, or it is not yours to see.' : key.error} />
        <Link to="/keys">Back to keys</Link>
      </Empty>
    )
  }
  const k: ApiKey = key.data
  const revoked = k.status === 'revoked'
  const confirmText = k.name ?? k.key_prefix

  /** Runs one action, keeping the dialog open (with the error in it) if it fails. */
  const act = async (what: string, run: () => Promise<ApiKey | void>) => {
    setBusy(true)
    setError(null)
    try {
      const updated = await run()
      if (updated) key.set(updated)
      setDialog('none')
      setNotice(what)
      return true
    } catch (e) {
      setError(toApiError(e))
      return false
    } finally {
      setBusy(false)
    }
  }
  const open = (d: Dialog) => { setError(null); setTyped(''); setReason(''); setDialog(d) }
  const save = async (e: FormEvent) => {
    e.preventDefault()
    if (!editing) return
    // Only what changed is sent, so the audit trail names the fields that were really edited.
    const asInput = (f: KeyFormState): UpdateKeyInput => ({
      name: f.name.trim(), description: f.description.trim() || null, scopes: parseScopes(f.scopes),
      ...(expiresAtOf(f) !== undefined && { expires_at: expiresAtOf(f) }), ...limitsOf(f),
    })
    const before = asInput(keyFormOf(k)) as Record<string, unknown>
    const changes = Object.fromEntries(Object.entries(asInput(editing)).filter(([name, v]) => JSON.stringify(v) !== JSON.stringify(before[name])))
    if (Object.keys(changes).length === 0) {
      setEditing(null)
      return
    }
    const ok = await act('Changes saved.', () => api.updateKey(k.id, changes))
    if (ok) setEditing(null)
  }

  return (
    <section aria-labelledby="key-title">
      <p className="crumbs"><Link to="/keys">API keys</Link> /</p>
      <header className="page-head">
        <h1 id="key-title">{k.name ?? <em>unnamed key</em>} <StatusBadge status={displayStatus(k)} /></h1>
        {!revoked && (
          <div className="toolbar" role="group" aria-label="Key actions">
            {!editing && <button type="button" onClick={() => { setError(null); setEditing(keyFormOf(k)) }}>Edit</button>}
            {k.disabled_at
              ? <button type="button" disabled={busy} onClick={() => act('Key enabled: it verifies again.', () => api.enableKey(k.id))}>Enable</button>
              : <button type="button" disabled={busy} onClick={() => act('Key disabled: it is refused until enabled.', () => api.disableKey(k.id))}>Disable</button>}
            <button type="button" onClick={() => open('roll')}>Roll</button>
            <button type="button" className="danger" onClick={() => open('revoke')}>Revoke</button>
          </div>
        )}
        <button type="button" className="danger-outline" onClick={() => open('delete')}>Delete</button>
      </header>
      <p className="notice" role="status" aria-live="polite">{notice}</p>
      {dialog === 'none' && !editing && <ErrorNote error={error} />}

      {editing ? (
        <form className="card form" onSubmit={save} noValidate aria-label="Edit key">
          <KeyFields form={editing} set={(p) => setEditing((f) => f && { ...f, ...p })} error={error} editing />
          {error && Object.keys(error.fields).length === 0 && error.code !== 'conflict' && <ErrorNote error={error} />}
          <div className="actions">
            <button type="button" onClick={() => { setEditing(null); setError(null) }}>Cancel</button>
            <button type="submit" className="primary" disabled={busy}>Save changes</button>
          </div>
        </form>
      ) : (
        <dl className="facts card">
          <dt>Prefix</dt><dd><code>{k.key_prefix}…</code></dd>
          <dt>Owner</dt><dd>{ownerName(k.owner)} <span className="muted">({k.owner.kind})</span></dd>
          <dt>Kind</dt><dd>{k.kind}</dd>
          <dt>Description</dt><dd>{k.description ?? <span className="muted">none</span>}</dd>
          <dt>Scopes</dt><dd>{k.scopes.length ? k.scopes.map((s) => <code key={s} className="scope">{s}</code>) : <span className="muted">all of its owner's rights</span>}</dd>
          <dt>Created</dt><dd>{when(k.created_at)}</dd>
          <dt>Last used</dt><dd>{k.last_used_at ? `${when(k.last_used_at)} (${relative(k.last_used_at)})` : 'never'}</dd>
          <dt>Expires</dt><dd>{k.expires_at ? `${when(k.expires_at)} (${relative(k.expires_at)})` : 'never'}</dd>
          <dt>Rate limit</dt><dd>{k.rate_limit ? `${k.rate_limit.limit} per ${duration(k.rate_limit.window_s)}` : 'none'}</dd>
          <dt>Uses left</dt><dd>{k.remaining ?? 'unlimited'}{k.refill && `, refilled to ${k.refill.amount} every ${duration(k.refill.interval_s)}`}</dd>
          {k.disabled_at && <><dt>Disabled</dt><dd>{when(k.disabled_at)}</dd></>}
          {k.revoked_at && <><dt>Revoked</dt><dd>{when(k.revoked_at)}{k.revoked_reason && ` — ${k.revoked_reason}`}</dd></>}
        </dl>
      )}

      <h2>Verifications per day</h2>
      {usage.loading && !usage.data && <Loading what="Loading usage" />}
      <ErrorNote error={usage.error} />
      {usage.data && (usage.data.some((d) => d.valid + d.refused > 0)
        ? <UsageChart days={usage.data} />
        : <Empty><p>No verifications in the last 30 days. Counts appear here within seconds of a key being verified.</p></Empty>)}

      <h2>Audit trail</h2>
      {trail.loading && !trail.data && <Loading what="Loading audit trail" />}
      <ErrorNote error={trail.error} />
      {trail.data && (trail.data.length ? <AuditTable events={trail.data} showTarget={false} /> : <Empty><p>No events recorded for this key.</p></Empty>)}

      <Modal open={dialog === 'roll'} title="Roll this key" onClose={() => setDialog('none')}>
        <p>Rolling issues a new secret for this key. The old secret can keep working for a grace period, so you can switch over without downtime.</p>
        <Field label="Old secret keeps working for">
          {(p) => (
            <select {...p} value={grace} onChange={(e) => setGrace(Number(e.target.value))}>
              {GRACE.map(([s, l]) => <option key={s} value={s}>{l}</option>)}
            </select>
          )}
        </Field>
        <ErrorNote error={error} />
        <div className="actions">
          <button type="button" onClick={() => setDialog('none')}>Cancel</button>
          <button type="button" className="primary" disabled={busy} onClick={() => act('Key rolled.', async () => {
            const r = await api.rollKey(k.id, grace)
            setSecret(r.key)
            return r.api_key
          })}>Roll key</button>
        </div>
      </Modal>

      <Modal open={dialog === 'revoke'} title="Revoke this key?" onClose={() => setDialog('none')}>
        <p><strong>Revoking is final.</strong> The key will be refused from now on and cannot be enabled again. It stays listed, for the audit trail.</p>
        <Field label="Reason (optional, kept in the audit trail)" error={error?.fields.reason}>
          {(p) => <input {...p} name="reason" value={reason} onChange={(e) => setReason(e.target.value)} placeholder="e.g. leaked in a log" />}
        </Field>
        {error && !error.fields.reason && <ErrorNote error={error} />}
        <div className="actions">
          <button type="button" onClick={() => setDialog('none')}>Cancel</button>
          <button type="button" className="danger" disabled={busy} onClick={() => act('Key revoked.', () => api.revokeKey(k.id, reason.trim()))}>Revoke key</button>
        </div>
      </Modal>

      <Modal open={dialog === 'delete'} title="Delete this key?" onClose={() => setDialog('none')}>
        <p><strong>Deleting removes the key for good</strong>; it will be refused and disappear from lists. To keep a record, revoke instead.</p>
        <Field label={`Type "${confirmText}" to confirm`}>
          {(p) => <input {...p} name="confirm" value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" />}
        </Field>
        <ErrorNote error={error} />
        <div className="actions">
          <button type="button" onClick={() => setDialog('none')}>Cancel</button>
          <button type="button" className="danger" disabled={busy || typed !== confirmText} onClick={async () => {
            if (await act('Key deleted.', () => api.deleteKey(k.id))) void navigate('/keys', { replace: true })
          }}>Delete key</button>
        </div>
      </Modal>

      <SecretDialog secret={secret} title="New secret for this key" onDone={() => setSecret(null)} />
    </section>
  )
}
