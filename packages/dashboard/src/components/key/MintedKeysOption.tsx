import { useEffect, useState } from 'react'
import type { Api, ApiKey } from '../../api'

/** What `minted: true` ends of a key: its active keys and the passwords it chose (`useMade`). */
export interface Made {
  keys: number
  passwords: number
}

/**
 * What key `k` made (`made_by_key_id`: keys created with it, or holding a secret it rolled; and the passwords it
 * chose, `password_set_by_key_id`, which only an admin can list), or null until known. A failed count is 0: the
 * option is then not offered, and revoking the key alone still works. Counted again when `version` changes (an
 * action on the page: revoking them leaves the key itself unchanged).
 */
export function useMade(api: Api, k: ApiKey, version = 0): Made | null {
  const [made, setMade] = useState<Made | null>(null)
  useEffect(() => {
    let live = true
    const keys = api.listKeys({ made_by_key_id: k.id, status: 'active', limit: 1 }).then((p) => p.total)
    const passwords = api.listUsers(k.id).then((p) => p.users.length)
    void Promise.all([keys.catch(() => 0), passwords.catch(() => 0)]).then(
      ([keys, passwords]) => live && setMade({ keys, passwords }),
    )
    return () => {
      live = false
    }
  }, [api, k.id, version])
  return made
}

/** Whether there is anything for `minted: true` to end. */
export const madeAny = (made: Made | null): made is Made => made !== null && made.keys + made.passwords > 0

/** "the 2 active keys made with this key and the password it chose", for the sentences that offer to end them. */
export function describeMade(made: Made): string {
  const keys = made.keys === 0 ? '' : `the ${made.keys} active key${made.keys === 1 ? '' : 's'} made with this key`
  const passwords = made.passwords === 0 ? '' : `the ${plural(made.passwords, 'password')} it chose`
  return [keys, passwords].filter(Boolean).join(' and ')
}

const plural = (n: number, word: string) => (n === 1 ? word : `${n} ${word}s`)

/** "Also revoke the keys made with this key": offered only when there is something to end. */
export function MintedKeysOption({
  made,
  checked,
  onChange,
}: {
  made: Made | null
  checked: boolean
  onChange: (checked: boolean) => void
}) {
  if (!madeAny(made)) return null
  return (
    <label className="choice">
      <input type="checkbox" name="minted" checked={checked} onChange={(e) => onChange(e.target.checked)} /> Also end{' '}
      {describeMade(made)}, and what those keys made (do this if the key leaked: whoever held it may have made them; a
      cleared password stops signing in until an admin sets a new one)
    </label>
  )
}
