/** `url` with its password masked, for messages and logs: a database or Redis URL may carry one. */
export function maskedUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.toString()
  } catch {
    return '(a URL that does not parse)'
  }
}
