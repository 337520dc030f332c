import type { Api, ApiKey } from '../../api'
import { type Made, madeAny, useMade } from './MintedKeysOption'

/**
 * Under a leak banner of a revoked key: the unrevoked keys made from it and the passwords its line chose, which whoever held
 * the secret may have made, and a way to end them (a leak report revokes the key alone). Nothing when it made none.
 */
export function LeakedKeyProducts(props: { k: ApiKey; api: Api; version: number; onRevoke: () => void }) {
  const made = useMade(props.api, props.k, props.version)
  if (!madeAny(made)) return null
  const count = made.keys + made.passwords + made.webhooks
  return (
    <p>
      <strong>{sentence(made)}</strong> (whoever held the secret may have made {count === 1 ? 'it' : 'them'}).{' '}
      <button type="button" className="danger" onClick={props.onRevoke}>
        {made.passwords || made.webhooks
          ? 'End what it made'
          : `Revoke the ${made.keys === 1 ? 'key' : `${made.keys} keys`} made with it`}
      </button>
    </p>
  )
}

/** "1 key was made from this key", "2 passwords were chosen with it", "a webhook was configured through them". */
function sentence({ keys, passwords, webhooks }: Made): string {
  const k = keys === 0 ? '' : `${keys} key${keys === 1 ? ' was' : 's were'} made from this key`
  const p = passwords === 0 ? '' : `${passwords} password${passwords === 1 ? ' was' : 's were'} chosen with it`
  const w =
    webhooks === 0 ? '' : `${webhooks} webhook${webhooks === 1 ? ' was' : 's were'} configured through its passwords`
  return [k, p, w]
    .filter(Boolean)
    .join(', ')
    .replace(/, ([^,]*)$/, ' and $1')
}
