import { Link } from 'react-router'
import type { ApiKey } from '../../api'
import { LimitsTable } from '../limits/LimitsTable'
import { KeyLifecycleFacts } from './KeyLifecycleFacts'
import { ScopeList } from './ScopeList'
import { useDirectory } from '../../directory'
import { duration, keywardAccess, relative, when } from '../../format'

/** A key's facts, as a definition list; scopes and Keyward-API access are told apart (they mean different things). */
export function KeyFacts({ k }: { k: ApiKey }) {
  const { ownerName } = useDirectory()
  return (
    <dl className="facts card">
      <dt>Prefix</dt>
      <dd>
        <code>{k.key_prefix}…</code>
      </dd>
      <dt>Owner</dt>
      <dd>
        {ownerName(k.owner)}
        {/* An email needs no "(user)" (beside "(you)" it read twice); a name of a fleet, device or organization does. */}
        {k.owner.kind !== 'user' && <span className="muted"> ({k.owner.kind})</span>}
      </dd>
      <dt>Kind</dt>
      <dd>{k.kind}</dd>
      <dt>Description</dt>
      <dd>{k.description ?? <span className="muted">none</span>}</dd>
      <dt>
        Scopes <span className="muted">(checked when your API verifies the key)</span>
      </dt>
      <dd>
        <ScopeList scopes={k.scopes} />
      </dd>
      <dt>Access to Keyward's API</dt>
      <dd>{keywardAccess(k.scopes)}</dd>
      <dt>Created</dt>
      <dd>
        {when(k.created_at)}
        {k.created_by_key_id !== null && (
          <>
            {' '}
            with <Link to={`/keys/${k.created_by_key_id}`}>key {k.created_by_key_id}</Link>
            {k.created_in_grace_until && (
              <>
                {"'s"} rolled-away secret, in a grace period to end {when(k.created_in_grace_until)} (it is revoked if
                that grace period is cut short)
              </>
            )}
          </>
        )}
      </dd>
      <dt>Last used</dt>
      <dd>{k.last_used_at ? `${when(k.last_used_at)} (${relative(k.last_used_at)})` : 'never'}</dd>
      <dt>Expires</dt>
      <dd>{k.expires_at ? `${when(k.expires_at)} (${relative(k.expires_at)})` : 'never'}</dd>
      <dt>Rate limits</dt>
      <dd>
        <LimitsTable limits={k.ratelimits} caption="Limits of this key" />
      </dd>
      <dt>Identity</dt>
      <dd>
        {k.identity_id === null ? (
          <span className="muted">none</span>
        ) : (
          <Link to={`/identities/${k.identity_id}`}>identity {k.identity_id}</Link>
        )}
      </dd>
      <dt>Uses left</dt>
      <dd>
        {k.remaining ?? 'unlimited'}
        {k.refill && `, reset to ${k.refill.amount} every ${duration(k.refill.interval_s)}`}
      </dd>
      <dt>Usable from</dt>
      <dd>{usableFrom(k)}</dd>
      <dt>Metadata</dt>
      <dd>
        {Object.keys(k.meta).length > 0 ? <code>{JSON.stringify(k.meta)}</code> : <span className="muted">none</span>}
      </dd>
      <KeyLifecycleFacts k={k} />
    </dl>
  )
}

/** The key's restrictions in words: its addresses and origins, or anywhere. */
function usableFrom(k: ApiKey): string {
  const r = k.restrictions
  const parts = [
    r?.ip_allow?.length ? `addresses ${r.ip_allow.join(', ')}` : '',
    r?.origin_allow?.length ? `origins ${r.origin_allow.join(', ')}` : '',
  ].filter(Boolean)
  return parts.length > 0 ? parts.join('; ') : 'anywhere'
}
