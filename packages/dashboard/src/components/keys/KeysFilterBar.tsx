import { keyPrefixOf } from '@keyward/client'
import type { KeyKind, KeyStatus } from '../../api'
import { useSession } from '../../session'
import { ChoiceFilter } from './ChoiceFilter'
import { OwnerFilter } from './OwnerFilter'
import { SortChoice } from './SortChoice'
import { TextFilter } from './TextFilter'
import type { KeyListParams } from './useKeyListParams'

const STATUSES: KeyStatus[] = ['active', 'expired', 'disabled', 'revoked']
const KINDS: KeyKind[] = ['user', 'provisioning', 'device']
const trim = (typed: string) => typed.trim()

/** Name, key-start and scope searches, status, owner and kind filters, and (on narrow screens, where headers are hidden) the sort. */
export function KeysFilterBar({ p }: { p: KeyListParams }) {
  const { user } = useSession()
  return (
    <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
      <TextFilter p={p} name="q" label="Search by name" placeholder="e.g. production" maxLength={100} clean={trim} />
      {/* A pasted whole key is cut to its visible start: the rest stays out of the URL and history. */}
      <TextFilter
        p={p}
        name="prefix"
        label="Key starts with"
        placeholder="e.g. kw_AbC123"
        maxLength={512}
        clean={(typed) => keyPrefixOf(typed.trim())}
      />
      <TextFilter
        p={p}
        name="scope"
        label="Has scope"
        placeholder="invoices:read"
        title="Keys whose scopes include this one, exactly (case too). Keys without scopes do not match."
        maxLength={100}
        clean={trim}
      />
      <ChoiceFilter p={p} name="status" label="Status" any="Any status" choices={STATUSES} />
      <OwnerFilter value={p.owner} onChange={(v) => p.setFilter('owner', v)} me={user} />
      <ChoiceFilter p={p} name="kind" label="Kind" any="Any kind" choices={KINDS} />
      <SortChoice p={p} />
    </form>
  )
}
