import { useSearchParams } from 'react-router'
import type { AuditFilter, AuditTargetType } from '../../api'

/** The audit log's filters as the URL keeps them (shareable; a reload keeps them): `?action=key.revoke&target=key+%233`. */
export interface AuditParams {
  action: string
  /** As typed: `key #3`, `api_key:3`, a type or an id (`targetFilter`). */
  target: string
  apply(next: { action: string; target: string }): void
}

export function useAuditParams(onChange: () => void): AuditParams {
  const [params, setParams] = useSearchParams()
  return {
    action: params.get('action') ?? '',
    target: params.get('target') ?? '',
    apply({ action, target }) {
      const next = new URLSearchParams()
      if (action) next.set('action', action)
      if (target) next.set('target', target)
      setParams(next, { replace: true })
      onChange()
    },
  }
}

/**
 * The API's filter for a target written as the Target column shows it (`key #3`, `user #1`), as the API and
 * the CLI do (`api_key:3`), or as a type or an id alone; the server refuses a wrong type or id in words.
 */
export function targetFilter(target: string): Pick<AuditFilter, 'target_type' | 'target_id'> {
  const m = /^\s*([a-z_]+)?\s*[#:]?\s*(\d+)?\s*$/.exec(target)
  if (!m) return { target_type: target.trim() as AuditTargetType } // refused by the server, which names the types
  const type = m[1] === 'key' ? 'api_key' : m[1]
  return { ...(type && { target_type: type as AuditTargetType }), ...(m[2] && { target_id: m[2] }) }
}
