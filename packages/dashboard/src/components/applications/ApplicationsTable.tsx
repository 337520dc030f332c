import { Link } from 'react-router'
import type { Application } from '../../api'
import { useDirectory } from '../../directory'
import { when } from '../../format'

/** Applications as a table, each linking to its page. */
export function ApplicationsTable({ applications }: { applications: Application[] }) {
  const dir = useDirectory()
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Slug</th>
            <th scope="col">Owner</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {applications.map((a) => (
            <tr key={a.id}>
              <td data-label="Name">
                <Link to={`/applications/${a.id}`}>{a.name}</Link>
              </td>
              <td data-label="Slug">
                <code>{a.slug}</code>
              </td>
              <td data-label="Owner">{dir.ownerName({ kind: 'user', id: a.owner_user_id })}</td>
              <td data-label="Created">{when(a.created_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
