import type { Organization } from '../../api'
import { InlineCreateForm } from '../form/InlineCreateForm'

/**
 * Adds an application to the organization chosen in the header (none chosen: your personal one), shown only where
 * the server lets you (`can.create_applications`: members and above).
 */
export function NewApplicationForm({
  org,
  onCreate,
}: {
  org: Organization | null
  onCreate: (name: string) => Promise<unknown>
}) {
  // Your personal organization is yours to fill; the server still answers if it was handed over.
  if (org && !org.can.create_applications) return null
  return (
    <InlineCreateForm
      label="New application name"
      hint={`In ${org ? org.name : 'your personal organization'}. Letters, digits, dot, dash and underscore, from a letter or digit.`}
      name="name"
      submit="Add application"
      primary
      onCreate={onCreate}
    />
  )
}
