import { readFileSync } from 'node:fs'
import { Command, CommanderError } from 'commander'
import { type ConfigFlags, loadConfig } from '../config.js'
import { KeywardError } from '../core/errors.js'
import { isKeywardError } from '@keyward/client'
import { registerAccountCommands } from './commands/account.js'
import { registerAuthCommands } from './commands/auth.js'
import { registerApplicationCommands } from './commands/applications.js'
import { registerDeviceCommands } from './commands/devices.js'
import { registerAuditCommand } from './commands/directory.js'
import { registerIdentityCommands } from './commands/identities.js'
import { registerKeyCommands } from './commands/keys.js'
import { registerOrgCommands } from './commands/orgs.js'
import { registerUserCommands } from './commands/users.js'
import { registerWebhookCommands } from './commands/webhooks.js'
import { printable } from './output.js'
import { UsageError } from './parse.js'
import { globalRemoteOptions } from './remote.js'

/** The package's version (package.json sits two folders up from here, in sources and in dist/). */
const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version

const program = new Command('keyward')
  .description('Self-hosted API key management')
  .version(VERSION, '-V, --version')
  // Usage errors are thrown (and exit with 2, below) instead of commander's default exit code 1.
  .exitOverride()

const databaseOption = (cmd: Command) =>
  cmd.option('--database-url <url>', 'sqlite:<path> or postgres://… (KEYWARD_DATABASE_URL)')

const serverOptions = (cmd: Command) =>
  databaseOption(
    cmd
      .option('--host <host>', 'listen address (KEYWARD_HOST, default 127.0.0.1)')
      .option('--port <port>', 'listen port (KEYWARD_PORT, default 8080)'),
  )
    .option('--redis-url <url>', 'redis://… (KEYWARD_REDIS_URL)')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (KEYWARD_LOG_LEVEL)')
    .option('--public-url <url>', 'public origin of this server (KEYWARD_PUBLIC_URL)')

// The process boundary: the environment is read here, once, and handed to the pure loaders
// (`loadConfig` for the server, `loadCliConfig` for client commands); nothing below reads it.
const env = process.env

serverOptions(program.command('serve').description('run the HTTP server')).action(async (flags: ConfigFlags) => {
  // Loaded on demand: client commands start without loading the server.
  const { serve } = await import('./serve.js')
  await serve(loadConfig(env, flags))
})

// Only what it reads: listen and Redis options on `migrate` suggested it served (a new user's find).
databaseOption(program.command('migrate').description('bring the database schema up to date, then exit')).action(
  async (flags: ConfigFlags) => {
    const config = loadConfig(env, flags)
    const [{ openStore }, { migrateToLatest }] = await Promise.all([
      import('../store/database.js'),
      import('../store/migrations.js'),
    ])
    const store = openStore(config.databaseUrl)
    try {
      const applied = await migrateToLatest(store.db, store.dialect)
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'schema is up to date')
    } finally {
      await store.close()
    }
  },
)

// Break-glass: with the database's credentials, not a login (an instance's only admin locked out had no way back).
databaseOption(
  program
    .command('reset-password')
    .description("set a user's password from the server's machine, ending their sessions (no login needed)")
    .argument('<login>', "the user's email or username")
    .option('--generate', 'generate the password and print it once (alone on stdout), instead of reading it')
    .addHelpText('after', '\nThe password is asked twice on a terminal, or read from the first line of stdin.'),
)
  .option('--redis-url <url>', "the servers' Redis, which tells them (KEYWARD_REDIS_URL)")
  .action(async (login: string, flags: ConfigFlags & { generate?: boolean }) => {
    const { resetPassword, newPassword, requireExistingDatabase } = await import('./reset-password.js')
    const config = loadConfig(env, flags)
    requireExistingDatabase(config.databaseUrl) // before asking for a password
    const password = await newPassword(flags.generate === true)
    const user = await resetPassword(config, login, password)
    // A generated password alone on stdout, the notes on stderr, as `keys create` prints a secret (a new user's find).
    const note = flags.generate ? console.error : console.log
    note(`password of ${user.email} reset; every session of this user ended`)
    if (flags.generate) console.log(password)
    if (user.deactivatedAt) note('this user is deactivated: an admin reactivates it (`keyward users reactivate`)')
  })

globalRemoteOptions(program)
registerAuthCommands(program, env)
registerAccountCommands(program, env)
registerKeyCommands(program, env)
registerIdentityCommands(program, env)
registerUserCommands(program, env)
registerApplicationCommands(program, env)
registerDeviceCommands(program, env)
registerAuditCommand(program, env)
registerWebhookCommands(program, env)
registerOrgCommands(program, env)
pointToHelp(program)

/** The command being run (`keyward keys update`), for the `--help` line after its own usage errors. */
let running = 'keyward'
program.hook('preAction', (_root, action) => {
  running = commandPath(action)
})

function commandPath(cmd: Command): string {
  const names: string[] = []
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name())
  return names.join(' ')
}

/** After a usage error, one line naming the command's --help (not the whole help text). */
function pointToHelp(cmd: Command, path: string[] = []): void {
  const name = ['keyward', ...path].join(' ')
  cmd.showHelpAfterError(`(run \`${name} --help\` for usage)`)
  unknownBeforeMissing(cmd)
  for (const sub of cmd.commands) pointToHelp(sub, [...path, sub.name()])
}

/**
 * commander checks required options before unknown ones, so `keys create --nmae x` said "required
 * option '--name' not specified" about the option that was typed, wrongly (a new user's find). The
 * check moves to preAction, which runs after the unknown-option check ("unknown option '--nmae'
 * (Did you mean --name?)"), with commander's own words and code.
 */
function unknownBeforeMissing(cmd: Command): void {
  const required = cmd.options.filter((o) => o.mandatory)
  if (required.length === 0) return
  for (const o of required) o.mandatory = false
  cmd.hook('preAction', (c) => {
    const missing = required.find((o) => c.getOptionValue(o.attributeName()) === undefined)
    if (missing)
      c.error(`error: required option '${missing.flags}' not specified`, {
        code: 'commander.missingMandatoryOptionValue',
      })
  })
}

/** Exit codes: 0 ok, 1 the server refused or could not be reached, 2 the command line is wrong. */
program.parseAsync(process.argv).catch((e: unknown) => {
  // exitCode, not exit(): pending output to a pipe is written before the process ends.
  if (e instanceof CommanderError) {
    // commander has printed the message (or the help/version, which are not errors).
    process.exitCode = e.exitCode === 0 ? 0 : 2
  } else if (e instanceof UsageError) {
    console.error(`error: ${printable(e.message)}`)
    if (e.pointToHelp) console.error(`(run \`${running} --help\` for usage)`)
    process.exitCode = 2
  } else if (e instanceof KeywardError) {
    console.error(`error: ${printable(e.message)}${causeOf(e)}`)
    process.exitCode = 1
  } else if (isKeywardError(e)) {
    const status = e.status ? `, HTTP ${e.status}` : ''
    console.error(`error: ${printable(e.message)} (${e.code}${status})`)
    process.exitCode = 1
  } else {
    // A failed start (database or Redis unreachable, a file it cannot open): the reason in one line;
    // the stack only when asked for, as it says nothing to an operator (a fuzzer's find).
    if (/^(debug|trace)$/.test(env.KEYWARD_LOG_LEVEL ?? '')) console.error(e)
    else console.error(`error: ${e instanceof Error ? e.message : String(e)}${causeOf(e)}`)
    // Something unexpected (a failed start, say) may hold the event loop open: end for sure.
    process.exit(1)
  }
})

/** ` (the cause's message, its code)` of an error that has one, for a start that failed: "no connection is free" said nothing of a refused connection. */
function causeOf(e: unknown): string {
  const cause = (e as { cause?: { message?: unknown; code?: unknown } } | null)?.cause
  const code = (e as { code?: unknown } | null)?.code
  const parts = [
    typeof cause?.message === 'string' ? cause.message : '',
    typeof cause?.code === 'string' ? cause.code : typeof code === 'string' && !(e instanceof KeywardError) ? code : '',
  ]
  const said = parts.filter(Boolean).join(', ')
  return said ? ` (${said})` : ''
}
