import { useEffect, useState } from 'react'
import type { Api, ApiKey, MadeByKey } from '../../api'

/** What `minted: true` ends of a key: the unrevoked keys of its line and the passwords it chose (`useMade`). */
export type Made = MadeByKey

/**
 * What revoking key `k` with `minted: true` would end for this viewer (`GET /keys/:id/made`: the revoke's own walk
 * and rule), or null until known. It used to be counted from listings, which a member cannot make of users: a
 * demoted member's old admin key had chosen a password the revoke clears, and nothing was offered (a reviewer's
 * find). A failed count is none: the option is then not offered, and revoking the key alone still works. Counted
 * again when `version` changes (an action on the page: revoking them leaves the key itself unchanged).
 */
export function useMade(api: Api, k: ApiKey, version = 0): Made | null {
  const [made, setMade] = useState<Made | null>(null)
  useEffect(() => {
    let live = true
    void api
      .keyMade(k.id)
      .catch(() => ({ keys: 0, passwords: 0, own_password: false, webhooks: 0 }))
      .then((m) => live && setMade(m))
    return () => {
      live = false
    }
  }, [api, k.id, version])
  return made
}

/** Whether there is anything for `minted: true` to end. */
export const madeAny = (made: Made | null): made is Made =>
  made !== null && made.keys + made.passwords + made.webhooks > 0

/**
 * "the 2 keys made from this key and the password it chose", for the sentences that offer to end them; with
 * "(yours: you will be signed out)" when the viewer's own password is one (the revoke clears it too).
 */
export function describeMade(made: Made): string {
  const keys = made.keys === 0 ? '' : `the ${made.keys} key${made.keys === 1 ? '' : 's'} made from this key`
  const yours = !made.own_password ? '' : made.passwords === 1 ? ' (yours' : ' (yours among them'
  const passwords =
    made.passwords === 0
      ? ''
      : `the ${plural(made.passwords, 'password')} it chose${yours && `${yours}: you will be signed out)`}`
  const webhooks =
    made.webhooks === 0 ? '' : `the ${plural(made.webhooks, 'webhook')} a login of its passwords configured`
  const parts = [keys, passwords, webhooks].filter(Boolean)
  return parts.length < 3 ? parts.join(' and ') : `${parts[0]}, ${parts[1]} and ${parts[2]}`
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
