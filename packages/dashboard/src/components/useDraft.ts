import { useEffect, useState } from 'react'

const PREFIX = 'keyward.draft:'

/**
 * Form state that survives the session ending mid-edit: kept in this tab's sessionStorage
 * under `name` until `clear`. Only for what a person typed; never for secrets (the secret
 * dialog's key is not form state and is never passed here).
 */
export function useDraft<T extends object>(name: string, initial: T): [T, (update: (t: T) => T) => void, () => void] {
  const [value, setValue] = useState<T>(() => restore(name, initial))
  useEffect(() => {
    sessionStorage.setItem(PREFIX + name, JSON.stringify(value))
  }, [name, value])
  const clear = () => sessionStorage.removeItem(PREFIX + name)
  return [value, setValue, clear]
}

function restore<T extends object>(name: string, initial: T): T {
  try {
    const raw = sessionStorage.getItem(PREFIX + name)
    return raw ? { ...initial, ...(JSON.parse(raw) as Partial<T>) } : initial
  } catch {
    return initial
  }
}
