import type { Api, ApiKey } from '../../api'
import { useMintedCount } from './MintedKeysOption'

/**
 * Under a leak banner of a revoked key: the active keys made with it, which whoever held the secret may have made,
 * and a way to revoke them (a leak report revokes the key alone). Nothing when it made none.
 */
export function LeakedKeyProducts(props: { k: ApiKey; api: Api; version: number; onRevoke: () => void }) {
  const count = useMintedCount(props.api, props.k, props.version)
  if (!count) return null
  return (
    <p>
      <strong>
        {count} active key{count === 1 ? ' was' : 's were'} made with this key
      </strong>{' '}
      (whoever held the secret may have made {count === 1 ? 'it' : 'them'}).{' '}
      <button type="button" className="danger" onClick={props.onRevoke}>
        Revoke the {count === 1 ? 'key' : `${count} keys`} made with it
      </button>
    </p>
  )
}
