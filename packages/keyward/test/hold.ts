/**
 * Holds the next call of `owner[name]` (a service's or a repository's method, private ones too)
 * until `go()`; `reached` resolves once it is held. Later calls pass. Race tests use it to land a
 * second request between a first one's read and its write.
 */
export function holdNextCall(owner: object, name: string): { reached: Promise<void>; go: () => void } {
  const methods = owner as Record<string, (...a: unknown[]) => Promise<unknown>>
  const original = methods[name]!
  let reach!: () => void
  let go!: () => void
  const reached = new Promise<void>((r) => (reach = r))
  const gate = new Promise<void>((r) => (go = r))
  methods[name] = async function (this: unknown, ...args: unknown[]) {
    methods[name] = original
    reach()
    await gate
    return original.apply(this, args)
  }
  return { reached, go }
}
