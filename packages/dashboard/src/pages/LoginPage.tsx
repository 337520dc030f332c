import { Logo } from '../components/Logo'
import { useState, type FormEvent } from 'react'
import { ApiError, toApiError } from '../api'
import { Field } from '../components/ui'
import { useSession } from '../session'

/** Sign in with email (or username) and password. */
export function LoginPage() {
  const { signIn, ended } = useSession()
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<ApiError | null>(null)

  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setBusy(true)
    setError(null)
    try {
      await signIn(email, password)
    } catch (err) {
      setError(toApiError(err))
      setBusy(false)
    }
  }
  const message =
    error && (error.code === 'unauthorized' ? 'That email and password do not match an account.' : error.message)
  return (
    <main className="login">
      <form onSubmit={submit} className="card" aria-labelledby="login-title">
        <h1 id="login-title">
          <Logo /> Keyward
        </h1>
        {ended ? (
          <p className="notice-ended" role="alert">
            Your session ended — sign in again. You will come back to the page you were on.
          </p>
        ) : (
          <p className="muted">Sign in to manage API keys.</p>
        )}
        <Field label="Email or username" error={error?.fields.email}>
          {(p) => (
            <input
              {...p}
              name="email"
              type="text"
              autoComplete="username"
              required
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              autoFocus
            />
          )}
        </Field>
        <Field label="Password" error={error?.fields.password ?? message ?? undefined}>
          {(p) => (
            <input
              {...p}
              name="password"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          )}
        </Field>
        <button type="submit" className="primary wide" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  )
}
