import { Link } from 'react-router'
import { Empty } from '../ui'

/** The key list's empty state: nothing matches the filters, or there is no key yet. */
export function NoKeys({ filtered }: { filtered: boolean }) {
  return (
    <Empty>
      {filtered ? (
        <p>No key matches these filters.</p>
      ) : (
        <p>
          No keys yet. <Link to="/keys/new">Create the first one</Link>.
        </p>
      )}
    </Empty>
  )
}
