import { useLocation } from 'react-router'

/** The sentence a page that sent us here left in the navigation state (`{ notice }`: "Key … deleted."), if any. */
export function RedirectNotice() {
  const notice = (useLocation().state as { notice?: string } | null)?.notice
  if (!notice) return null
  return (
    <p className="notice" role="status">
      {notice}
    </p>
  )
}
