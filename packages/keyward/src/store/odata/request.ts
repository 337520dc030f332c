import type { ResourceName } from './model.js'

/**
 * A parsed OData request as the translator consumes it: the tree produced by
 * `@balena/odata-parser`, with literals kept apart in `binds` (they only ever
 * reach SQL as bound parameters). Filter nodes stay `unknown` and are checked
 * node by node while translating, so any shape we do not support is a 400.
 */
export type Bind =
  | ['Real' | 'Integer', number]
  | ['Text', string]
  | ['Date' | 'Date Time', number | string | Date]
  | ['Boolean', boolean]
  | ['List', Bind[]]

export interface BindRef {
  bind: number | string
}

export interface PathNode {
  name: string
  property?: PathNode
  lambda?: { method: string; identifier: string; expression: unknown }
  count?: boolean
}

export interface OrderNode extends PathNode {
  order: 'asc' | 'desc'
}

export interface ExpandNode extends PathNode {
  count?: boolean
  options?: QueryOptions
}

export interface QueryOptions {
  $filter?: unknown
  $select?: '*' | { properties: PathNode[] }
  $expand?: { properties: ExpandNode[] }
  $orderby?: { properties: OrderNode[] }
  $top?: BindRef
  $skip?: BindRef
  [other: string]: unknown
}

/** How a single row is addressed in the path: `api_key(5)` or `device(uuid='…')`. */
export type RowKey = { field: 'id'; value: number } | { field: string; value: string }

export interface ODataRequest {
  resource: ResourceName
  key: RowKey | null
  /** `/resource/$count`: answer the number of matching rows. */
  count: boolean
  options: QueryOptions
  binds: Bind[]
}
