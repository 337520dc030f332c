/**
 * `work`'s outcome, or a rejection with `late()` once `ms` pass first. The work itself goes on (a
 * query or a publish cannot be called back); its caller stops waiting. The timer does not hold a
 * process that is closing.
 */
export async function giveUpAfter<T>(ms: number, work: Promise<T>, late: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const expiry = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(late()), ms)
    timer.unref()
  })
  try {
    return await Promise.race([work, expiry])
  } finally {
    clearTimeout(timer)
  }
}
