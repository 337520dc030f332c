import { type Static, type TSchema, Type } from 'typebox'

/**
 * `T | null` as a JSON-Schema type array rather than `anyOf`: Ajv's type coercion
 * would turn a `null` into `0` or `""` in the first `anyOf` branch.
 */
export const Nullable = <T extends TSchema>(t: T) => {
  const { type, ...rest } = t as unknown as { type: string }
  return Type.Unsafe<Static<T> | null>({ ...rest, type: [type, 'null'] })
}
