import { useState } from 'react'
import { type Api, type ApiError, type ApiKey, toApiError } from '../../api'

/**
 * One lifecycle action at a time on a key page (or a webhook's, with `T` = Webhook): busy flag,
 * the last error, and a notice once it is done.
 */
export interface KeyAction<T = ApiKey> {
  busy: boolean
  error: ApiError | null
  notice: string
  setError(e: ApiError | null): void
  /** Runs `run`; on success hands the updated key to `onKey` and shows `what` (read then). Resolves whether it succeeded. */
  act(what: string | (() => string), run: () => Promise<T | void>): Promise<boolean>
}

/** What every confirmation dialog of a key page takes: the key, the API, the page's action state, and whether it is open. */
export interface KeyDialogProps {
  k: ApiKey
  api: Api
  action: KeyAction
  open: boolean
  onClose: () => void
}

/** The state behind a key page's buttons and dialogs. */
export function useKeyAction<T = ApiKey>(onKey: (k: T) => void): KeyAction<T> {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<ApiError | null>(null)
  const [notice, setNotice] = useState('')
  const act = async (what: string | (() => string), run: () => Promise<T | void>) => {
    setBusy(true)
    setError(null)
    try {
      const updated = await run()
      if (updated) onKey(updated)
      setNotice(typeof what === 'string' ? what : what())
      return true
    } catch (e) {
      setError(toApiError(e))
      return false
    } finally {
      setBusy(false)
    }
  }
  return { busy, error, notice, setError, act }
}
