import { useState, type FormEvent } from 'react'
import { useOrg } from '../../orgs'
import { useSession } from '../../session'
import { ErrorNote, Field } from '../ui'
import { useAction } from './useAction'

/** Accepts an invitation token with the signed-in account. */
export function AcceptForm() {
  const { api } = useSession()
  const { reload } = useOrg()
  const [token, setToken] = useState('')
  const [notice, setNotice] = useState('')
  const { error, run } = useAction()
  const submit = (e: FormEvent) => {
    e.preventDefault()
    void run(async () => {
      const r = await api.acceptInvitation(token.trim())
      setToken('')
      setNotice(`You joined as ${r.invitation.role}.`)
      reload()
    })
  }
  return (
    <form className="card inline-form" onSubmit={submit} noValidate aria-label="Accept an invitation">
      <Field label="Invitation token">
        {(p) => <input {...p} autoComplete="off" value={token} onChange={(e) => setToken(e.target.value)} />}
      </Field>
      <button type="submit">Accept invitation</button>
      {error && <ErrorNote error={error} />}
      <p className="notice" role="status" aria-live="polite">
        {notice}
      </p>
    </form>
  )
}
