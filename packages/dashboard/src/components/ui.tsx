import { useEffect, useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react'
import { ApiError } from '../api'
import { type DisplayStatus } from '../format'

/** The status badge of a key; colour is never the only signal (the word is always shown). */
export function StatusBadge({ status }: { status: DisplayStatus }) {
  return <span className={`badge badge-${status.replace(' ', '-')}`}>{status}</span>
}

/** A labelled form field with its error (from the API) right under it, tied by aria-describedby. */
export function Field({
  label,
  error,
  hint,
  children,
}: {
  label: string
  error?: string
  hint?: string
  children: (props: { id: string; 'aria-invalid': boolean; 'aria-describedby'?: string }) => ReactNode
}) {
  const id = useId()
  const described = [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(' ') || undefined
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-invalid': Boolean(error), 'aria-describedby': described })}
      {hint && (
        <small id={`${id}-hint`} className="hint">
          {hint}
        </small>
      )}
      {error && (
        <small id={`${id}-error`} className="field-error" role="alert">
          {error}
        </small>
      )}
    </div>
  )
}

/** An error not tied to a field, in words. */
export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a thrown non-Error (a string) is shown as it is
  const message = error instanceof ApiError ? error.message : error instanceof Error ? error.message : String(error)
  return (
    <p className="error-note" role="alert">
      {message}
    </p>
  )
}

/** A polite loading line, announced to screen readers. */
export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <p className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {what}…
    </p>
  )
}

/** What a list shows when it has nothing to show. */
export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>
}

/**
 * A modal built on the native <dialog>: focus moves into it, Tab stays inside,
 * Escape (or a click on the backdrop) asks to leave through `onDismiss` (default:
 * `onClose`), and focus returns to where it was on close.
 */
export function Modal({
  open,
  title,
  onClose,
  onDismiss = onClose,
  guarded = false,
  children,
  labelledBy,
}: {
  open: boolean
  title: string
  onClose: () => void
  /** Escape or a backdrop click; a dialog holding something irreplaceable asks before it closes. */
  onDismiss?: () => void
  /**
   * Only `open` turning false may close it. Chromium lets a page refuse an Escape only once per
   * user activation and then closes the dialog anyway; a guarded dialog re-opens at once and asks.
   */
  guarded?: boolean
  children: ReactNode
  labelledBy?: string
}) {
  const ref = useRef<HTMLDialogElement>(null)
  const titleId = useId()
  useEffect(() => {
    const d = ref.current
    if (!d) return
    if (open && !d.open) d.showModal()
    if (!open && d.open) d.close()
  }, [open])
  // Chromium lets Tab leave a modal <dialog> for the browser's own UI; wrap it around instead.
  const keepFocus = (e: KeyboardEvent<HTMLDialogElement>) => {
    if (e.key !== 'Tab' || !ref.current) return
    const items = [
      ...ref.current.querySelectorAll<HTMLElement>(
        'button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), a[href]',
      ),
    ]
    const first = items[0]
    const last = items[items.length - 1]
    if (!first || !last) return
    if (e.shiftKey && document.activeElement === first) {
      e.preventDefault()
      last.focus()
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault()
      first.focus()
    }
  }
  return (
    <dialog
      ref={ref}
      className="modal"
      aria-labelledby={labelledBy ?? titleId}
      onKeyDown={keepFocus}
      onClose={() => {
        if (guarded && open && ref.current && !ref.current.open) {
          ref.current.showModal()
          onDismiss()
        } else onClose()
      }}
      onCancel={(e) => {
        e.preventDefault()
        onDismiss()
      }}
      // A click whose target is the <dialog> itself landed on its backdrop (the content fills the box).
      onClick={(e) => {
        if (e.target === e.currentTarget && outside(e.currentTarget, e.clientX, e.clientY)) onDismiss()
      }}
    >
      {open && (
        <>
          <h2 id={titleId}>{title}</h2>
          {children}
        </>
      )}
    </dialog>
  )
}

/** Whether a point lies outside the dialog's box (on its ::backdrop). */
function outside(d: HTMLDialogElement, x: number, y: number): boolean {
  const r = d.getBoundingClientRect()
  return x < r.left || x > r.right || y < r.top || y > r.bottom
}

/**
 * Loads something when its inputs change; `reload` fetches again. Ignores answers to stale requests.
 * Data is shown only under the `scope` it was loaded for (by default every dep): another organization or another
 * key's id shows "loading", never the last one's rows under the new heading. A list's filters are left out of its
 * scope, so the rows stay while a new filter loads instead of flickering.
 */
export function useLoad<T>(
  load: () => Promise<T>,
  deps: unknown[],
  scope: unknown[] = deps,
): { data: T | undefined; error: unknown; loading: boolean; reload: () => void; set: (t: T) => void } {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean; scope?: unknown[] }>({
    loading: true,
  })
  const [tick, setTick] = useState(0)
  useEffect(() => {
    let live = true
    setState((s) => ({ ...s, loading: true, error: undefined }))
    load().then(
      (data) => live && setState({ data, loading: false, scope }),
      (error: unknown) => live && setState({ error, loading: false }),
    )
    return () => {
      live = false
    }
    // `load` is a new closure every render; the caller's `deps` say when it really changes.
    // eslint-disable-next-line react-hooks/exhaustive-deps -- deps are the caller's, see above
  }, [...deps, tick])
  const current = sameItems(state.scope, scope)
  return {
    data: current ? state.data : undefined,
    error: state.error,
    loading: state.loading || (!current && state.error === undefined),
    reload: () => setTick((t) => t + 1),
    set: (data: T) => setState({ data, loading: false, scope }),
  }
}

const sameItems = (a: unknown[] | undefined, b: unknown[]) =>
  a !== undefined && a.length === b.length && a.every((x, i) => Object.is(x, b[i]))
