// Module-resolution hook: resolves workspace packages (such as @keyward/client) through their
// "keyward-source" export condition, i.e. to their TypeScript sources, so the CLI runs
// from a checkout without a build step. Published builds are used everywhere else.
export async function resolve(specifier, context, nextResolve) {
  return nextResolve(specifier, { ...context, conditions: [...context.conditions, 'keyward-source'] })
}
