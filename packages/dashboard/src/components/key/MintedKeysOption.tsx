import { useEffect, useState } from 'react'
import type { Api, ApiKey } from '../../api'

/**
 * How many active keys key `k` made (`made_by_key_id`: created with it, or holding a secret it rolled: what
 * `minted: true` ends), or null until known. A failed
 * count is 0: the option is then not offered, and revoking the key alone still works. Counted again when
 * `version` changes (an action on the page: revoking them leaves the key itself unchanged).
 */
export function useMintedCount(api: Api, k: ApiKey, version = 0): number | null {
  const [count, setCount] = useState<number | null>(null)
  useEffect(() => {
    let live = true
    api.listKeys({ made_by_key_id: k.id, status: 'active', limit: 1 }).then(
      (page) => live && setCount(page.total),
      () => live && setCount(0),
    )
    return () => {
      live = false
    }
  }, [api, k.id, version])
  return count
}

/** "Also revoke the keys made with this key": offered only when there are some. */
export function MintedKeysOption({
  count,
  checked,
  onChange,
}: {
  count: number | null
  checked: boolean
  onChange: (checked: boolean) => void
}) {
  if (!count) return null
  return (
    <label className="choice">
      <input type="checkbox" name="minted" checked={checked} onChange={(e) => onChange(e.target.checked)} /> Also revoke
      the {count} active key{count === 1 ? '' : 's'} made with this key, and any keys those made (do this if the key
      leaked: whoever held it may have made them)
    </label>
  )
}
