import { useEffect, useRef } from 'react'
import { ownerValue } from '../format'
import { useOrg } from '../orgs'
import { useSession } from '../session'

/** The owner fields of the create-key draft: the owner, and the default it was set under (see `useDraftOwner`). */
export interface DraftOwner {
  owner: string
  ownerDefault: string
}

/**
 * Keeps the draft's owner on the default-owner rule while the header's organization changes: the draft outlives the
 * visit (and the session), and kept the previous organization as owner, so a key went to it by surprise. An owner
 * you pick on this visit, or that the link names (`?owner=`), stays until you change it; a draft found on a later
 * visit under another organization takes that one's default. Returns the form's pick handler.
 */
export function useDraftOwner(draft: DraftOwner, set: (patch: Partial<DraftOwner>) => void, linked: string | null) {
  const fallback = useDefaultOwner()
  const picked = useRef(linked !== null)
  useEffect(() => {
    if (linked !== null && draft.owner !== linked) set({ owner: linked })
    // Once, on arrival: the link names the owner over a draft's.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [])
  useEffect(() => {
    if (fallback === null || picked.current || draft.ownerDefault === fallback) return
    set({ owner: fallback, ownerDefault: fallback })
  }, [fallback, draft.ownerDefault, set])
  return (owner: string) => {
    picked.current = true
    set({ owner, ownerDefault: fallback ?? draft.ownerDefault })
  }
}

/**
 * A new key's owner unless the link names one: the organization chosen in the header where you may give it keys, as a
 * new application goes to it; else you (your personal organization chosen, or every organization). Null until the
 * organizations are known (the choice alone does not say whether you may give that organization keys).
 */
export function useDefaultOwner(): string | null {
  const { user } = useSession()
  const { current, loaded } = useOrg()
  if (!loaded || !user) return null
  if (current && !current.personal && current.can.create_organization_keys)
    return ownerValue({ kind: 'organization', id: current.id })
  return ownerValue({ kind: 'user', id: user.id })
}
