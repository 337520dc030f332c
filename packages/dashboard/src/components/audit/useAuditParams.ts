import { useSearchParams } from 'react-router'
import type { AuditFilter, AuditTargetType } from '../../api'

/** The audit log's filters as the URL keeps them (shareable; a reload keeps them): `?action=key.revoke&target=key+%233`. */
export interface AuditParams {
  action: string
  /** As typed: `key #3`, `api_key:3`, a type or an id (`targetFilter`). */
  target: string
  apply(next: { action: string; target: string }): void
}

export function useAuditParams(): AuditParams {
  const [params, setParams] = useSearchParams()
  return {
    action: params.get('action') ?? '',
    target: params.get('target') ?? '',
    apply({ action, target }) {
      const next = new URLSearchParams()
      if (action) next.set('action', action)
      if (target) next.set('target', target)
      setParams(next, { replace: true })
    },
  }
}

/** How a target is typed, said when one is not (`key #abc` was refused as a wrong type: a new user's find). */
export const TARGET_HINT =
  'Type a target as its column shows it (key #3, user #1), as api_key:3, a type (key, user…) or an id.'

/**
 * The API's filter for a target written as the Target column shows it (`key #3`, `user #1`), as the API and
 * the CLI do (`api_key:3`), or as a type or an id alone; null when it is none of those. A type the server does
 * not know is its 400, which names the types.
 */
export function targetFilter(target: string): Pick<AuditFilter, 'target_type' | 'target_id'> | null {
  const m = /^\s*([a-z_]+)?\s*[#:]?\s*(\d+)?\s*$/i.exec(target)
  if (!m) return null
  const word = m[1]?.toLowerCase()
  const type = word === 'key' ? 'api_key' : word
  return { ...(type && { target_type: type as AuditTargetType }), ...(m[2] && { target_id: m[2] }) }
}
