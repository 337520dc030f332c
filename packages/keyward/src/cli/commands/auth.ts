import type { Command } from 'commander'
import { keyPrefixOf } from '@keyward/client'
import { fields, when } from '../output.js'
import { promptLine, promptSecret } from '../prompt.js'
import { remoteAction, remoteOptions } from '../remote.js'

type Env = Record<string, string | undefined>

/** `keyward login`, `logout`, `whoami`. */
export function registerAuthCommands(program: Command, env: Env): void {
  remoteAction<{ email?: string; password?: string }>(
    remoteOptions(
      program
        .command('login')
        .description('log in and store the session token (in $KEYWARD_CONFIG_DIR or ~/.config/keyward, mode 0600)'),
    )
      .option('--email <email>', 'email or username (asked for when missing)')
      .option('--password <password>', 'password (KEYWARD_PASSWORD; asked for without echo when missing)'),
    env,
    async ({ client, config, credentials, out }, opts) => {
      const email = opts.email ?? (await promptLine('Email: '))
      const password = opts.password ?? config.password ?? (await promptSecret('Password: '))
      const r = await client.auth.login({ email, password })
      credentials.set(config.url, { token: r.access_token, email: r.user.email, expires_at: r.expires_at })
      out.result({ url: config.url, user: r.user, expires_at: r.expires_at, credentials: credentials.path }, () => {
        out.line(`Logged in to ${config.url} as ${r.user.email} (${r.user.role}).`)
        out.line(`Session stored in ${credentials.path}; it expires ${when(r.expires_at)}.`)
      })
    },
    { signsIn: true },
  )

  remoteAction(
    remoteOptions(program.command('logout').description('end the session on the server and forget the stored token')),
    env,
    async ({ client, config, credentials, out }) => {
      if (client.auth.token) {
        // An expired or already-ended session is as good as logged out: forget it anyway.
        await client.auth.logout().catch((e: { code?: string }) => {
          if (e.code !== 'unauthorized') throw e
        })
      }
      const forgot = credentials.delete(config.url)
      out.result({ url: config.url, forgot_stored_session: forgot }, () => {
        out.line(forgot ? `Logged out of ${config.url}.` : `No stored session for ${config.url}.`)
      })
    },
  )
  registerWhoami(program, env)
}

/** `keyward whoami`: the credential in use (a session or an API key), its actor and scopes. */
function registerWhoami(program: Command, env: Env): void {
  remoteAction(
    remoteOptions(program.command('whoami').description('show who the current credential belongs to')),
    env,
    async ({ client, config, out }) => {
      const me = await client.auth.whoami()
      // A rolled-away secret's own start (the key's `key_prefix` is its current secret's); an imported key's stored one.
      const shownStart = me.grace_ends_at && config.token ? keyPrefixOf(config.token) : (me.api_key?.key_prefix ?? '')
      out.result(me, () => {
        out.line(
          fields([
            ['server', config.url],
            ['via', me.via === 'session' ? 'session token' : `API key ${me.api_key?.id ?? ''} (${shownStart}…)`],
            ['actor', `${me.actor.kind}:${me.actor.id}`],
            ...(me.user ? ([['user', `${me.user.email} (${me.user.role})`]] as [string, string][]) : []),
            ['scopes', me.scopes?.length ? me.scopes.join(', ') : '(all)'],
          ]),
        )
        if (me.grace_ends_at)
          out.line(
            `This is a rolled-away secret: it stops working ${when(me.grace_ends_at)}. Use the key's new secret` +
              (me.api_key ? ` (it starts ${me.api_key.key_prefix}…).` : '.'),
          )
      })
    },
  )
}
