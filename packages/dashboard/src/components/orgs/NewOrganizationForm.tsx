import { useState, type FormEvent } from 'react'
import { ApiError, toApiError } from '../../api'
import { useOrg } from '../../orgs'
import { useSession } from '../../session'
import { ErrorNote, Field } from '../ui'

/**
 * Creates an organization (you become its owner) and chooses it in the header's switcher, so the page goes on
 * to its members and the invite form: a team's first step, which only the API, SDK and CLI offered.
 */
export function NewOrganizationForm() {
  const { api } = useSession()
  const { reload, choose } = useOrg()
  const [name, setName] = useState('')
  const [handle, setHandle] = useState('')
  const [error, setError] = useState<ApiError | null>(null)
  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setError(null)
    try {
      const org = await api.createOrganization(name.trim(), handle.trim())
      setName('')
      setHandle('')
      reload()
      choose(org.id)
    } catch (err) {
      setError(toApiError(err))
    }
  }
  // A refusal naming no field (a handle already taken) goes under the form.
  const general = error && Object.keys(error.fields).length === 0 ? error : null
  return (
    <form className="card inline-form" onSubmit={(e) => void submit(e)} noValidate aria-label="New organization">
      <Field label="Organization name" error={error?.fields.name}>
        {(p) => <input {...p} autoComplete="off" value={name} onChange={(e) => setName(e.target.value)} />}
      </Field>
      <Field
        label="Handle"
        hint="Lowercase letters, digits, - and _, from a letter or digit; it prefixes its applications' slugs."
        error={error?.fields.handle}
      >
        {(p) => <input {...p} autoComplete="off" value={handle} onChange={(e) => setHandle(e.target.value)} />}
      </Field>
      <button type="submit">Create organization</button>
      <ErrorNote error={general} />
    </form>
  )
}
