import type { ApiKey, AuditEvent } from '../../api'
import { when } from '../../format'
import { useSession } from '../../session'
import { useLoad } from '../ui'
import { LeakedKeyProducts } from './LeakedKeyProducts'

/** Who reported the leak, in words (the event's `via`). */
const VIA: Record<string, string> = {
  github: 'GitHub secret scanning',
  'self-report': 'someone holding the secret (POST /v1/keys/leaked)',
}

/** `key.leaked`'s `action` codes in words; entries recorded before the codes hold a sentence, shown as it is. */
const DONE: Record<string, string> = {
  revoke: 'revoked the key',
  disable: 'disabled the key',
  notify: 'nothing: leaks are only recorded here (KEYWARD_LEAK_ACTION=notify)',
  end_grace: 'ended the grace period of the previous secret (the current secret was not reported)',
  none: 'nothing',
}

/** What Keyward did about the report: its action in words, and why when it did nothing. */
function done(e: AuditEvent): string {
  const action = text(e, 'action')
  if (action === null) return 'unknown'
  const note = text(e, 'note')
  return (DONE[action] ?? action) + (note ? ` (${note})` : '')
}

/** A detail of the event as plain text; React escapes it, and a reported URL is never made a link. */
const text = (e: AuditEvent, name: string) => (typeof e.details[name] === 'string' ? e.details[name] : null)

/**
 * The first thing on a key's page when its audit trail holds a `key.leaked` event: when and
 * where it was reported, what Keyward did, and, while the key still works, a way to revoke it; once revoked, the
 * keys made from it and a way to revoke those.
 */
export function LeakBanner(props: { k: ApiKey; version: number; onRevoke: () => void; onRevokeMinted: () => void }) {
  const { k, onRevoke, onRevokeMinted } = props
  const { api } = useSession()
  const leaks = useLoad(
    async () => (await api.audit({ target_type: 'api_key', target_id: k.id, action: 'key.leaked', limit: 20 })).events,
    [api, k.id, k.updated_at],
    [api, k.id], // a change to the key refetches without hiding the banner
  )
  // The report Keyward acted on, else the latest: a second report of a revoked key did nothing, and showing only it
  // said "nothing" of a key the first report had revoked (anyone holding the secret can send one: a new user's find).
  const latest = leaks.data?.find((e) => text(e, 'action') !== 'none') ?? leaks.data?.[0]
  if (!latest) return null
  const live = k.status !== 'revoked'
  return (
    <div className="leak-banner" role="alert" aria-labelledby="leak-title">
      <h2 id="leak-title">
        This key was reported leaked
        {leaks.data!.length > 1 && ` (${leaks.data!.length} reports; the latest Keyward acted on is shown)`}
      </h2>
      <dl>
        <dt>Reported</dt>
        <dd>{when(latest.at)}</dd>
        <dt>By</dt>
        <dd>{VIA[text(latest, 'via') ?? ''] ?? text(latest, 'via') ?? 'unknown'}</dd>
        <dt>Where</dt>
        <dd>
          {text(latest, 'url') ? <code>{text(latest, 'url')}</code> : 'not given'}
          {text(latest, 'source') && ` (source: ${text(latest, 'source')})`}
        </dd>
        <dt>What Keyward did</dt>
        <dd>{done(latest)}</dd>
      </dl>
      {live ? (
        <p>
          <strong>The key still works.</strong>{' '}
          {k.can_manage && (
            <button type="button" className="danger" onClick={onRevoke}>
              Revoke it now
            </button>
          )}
        </p>
      ) : (
        <>
          <p>The key is revoked: it is refused everywhere.</p>
          {k.can_manage && <LeakedKeyProducts k={k} api={api} version={props.version} onRevoke={onRevokeMinted} />}
        </>
      )}
    </div>
  )
}
