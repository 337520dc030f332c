import { useState } from 'react'
import { toApiError } from '../../api'

/** Runs an API call for a form or button, keeping its error message (cleared on each run) for display. */
export function useAction(): { error: string; run: (call: () => Promise<void>) => Promise<void> } {
  const [error, setError] = useState('')
  const run = async (call: () => Promise<void>) => {
    setError('')
    try {
      await call()
    } catch (e) {
      setError(toApiError(e).message)
    }
  }
  return { error, run }
}
