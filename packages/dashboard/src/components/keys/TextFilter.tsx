import { useEffect, useState } from 'react'
import type { KeyListParams, TextFilterName } from './useKeyListParams'

interface TextFilterProps {
  p: KeyListParams
  name: TextFilterName
  label: string
  placeholder: string
  maxLength: number
  /** Said on hover and to screen readers: what matches. */
  title?: string
  /** What of the typed text goes into the URL (trimmed, at least). */
  clean: (typed: string) => string
}

/**
 * A typed filter of the key list, applied once typing pauses, or at once with Enter. Rescheduled
 * when other filters change, so the delayed update starts from the current URL and cannot undo a
 * filter chosen meanwhile.
 */
export function TextFilter({ p, name, label, placeholder, maxLength, title, clean }: TextFilterProps) {
  const [typed, setTyped] = useState(p[name])
  const apply = () => p.setFilter(name, clean(typed))
  useEffect(() => {
    if (clean(typed) === p[name]) return
    const t = setTimeout(apply, 300)
    return () => clearTimeout(t)
  }, [typed, p.q, p.prefix, p.scope, p.status, p.kind, p.owner, p.sort, p.order]) // eslint-disable-line react-hooks/exhaustive-deps -- setFilter derives from these
  return (
    <label>
      <span>{label}</span>
      <input
        type="search"
        name={name}
        maxLength={maxLength}
        value={typed}
        onChange={(e) => setTyped(e.target.value)}
        onKeyDown={(e) => e.key === 'Enter' && apply()}
        placeholder={placeholder}
        title={title}
      />
    </label>
  )
}
