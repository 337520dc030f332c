import { type FormEvent, useState } from 'react'
import { type ApiError, type CreatedKey, toApiError } from '../api'
import { expiresAtOf, limitsOf, metaOf, type KeyFormState } from '../components/form/key-form-state'
import { parseOwner, parseScopes } from '../format'
import { useSession } from '../session'
import type { DraftOwner } from './useDraftOwner'

export type CreateKeyDraft = KeyFormState & DraftOwner

/** Sends the create-key form: busy while it runs, the API's error, or the created key (its secret, shown once). */
export function useCreateKey(draft: CreateKeyDraft, onCreated: () => void) {
  const { api, user } = useSession()
  const [error, setError] = useState<ApiError | null>(null)
  const [busy, setBusy] = useState(false)
  const [created, setCreated] = useState<CreatedKey | null>(null)
  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setBusy(true)
    setError(null)
    try {
      const o = parseOwner(draft.owner)
      setCreated(
        await api.createKey({
          name: draft.name.trim(),
          description: draft.description.trim() || null,
          scopes: parseScopes(draft.scopes),
          expires_at: expiresAtOf(draft),
          ...(o && !(o.kind === 'user' && o.id === user?.id) && { owner: o }),
          ...limitsOf(draft),
          meta: metaOf(draft),
          ...(draft.prefix.trim() && { prefix: draft.prefix.trim() }),
        }),
      )
      onCreated()
    } catch (err) {
      setError(toApiError(err))
    } finally {
      setBusy(false)
    }
  }
  return { error, busy, created, submit }
}
