import { type Command, Option } from 'commander'
import { type KeywardClient, createClient, isKeywardError } from '@keyward/client'
import { KeywardError } from '../core/errors.js'
import { type CliConfig, type CliFlags, DEFAULT_URL, loadCliConfig } from './cli-config.js'
import { CredentialStore } from './credentials.js'
import { type Printer, printer } from './output.js'

/** Everything a client command needs: its configuration, a client, where sessions are stored, how to print. */
export interface RemoteContext {
  config: CliConfig
  client: KeywardClient
  credentials: CredentialStore
  out: Printer
  /** Where the token came from: `--token`/`KEYWARD_TOKEN`, `keyward login`'s store, or nowhere. */
  tokenFrom: 'given' | 'stored' | 'none'
}

type Env = Record<string, string | undefined>

/** Adds `--url`, `--token` and `--json` to a client command. */
export function remoteOptions(cmd: Command): Command {
  return cmd
    .option('--url <url>', `Keyward server (KEYWARD_URL, default ${DEFAULT_URL})`)
    .addOption(
      new Option('--token <token>', 'session token or API key (KEYWARD_TOKEN; default: the one stored by login)'),
    )
    .option('--json', 'print JSON instead of tables (for scripts)')
}

/**
 * Builds the context of a client command from its flags and the environment. The token is
 * `--token`, else `KEYWARD_TOKEN`, else the session `keyward login` stored for this URL.
 */
export function remoteContext(env: Env, flags: CliFlags & { json?: boolean }): RemoteContext {
  const config = loadCliConfig(env, flags)
  const credentials = new CredentialStore(config.configDir)
  const stored = config.token ? null : (credentials.get(config.url)?.token ?? null)
  const token = config.token ?? stored
  const tokenFrom = config.token ? 'given' : stored ? 'stored' : 'none'
  return {
    config,
    credentials,
    client: createClient({ url: config.url, token }),
    out: printer(flags.json === true),
    tokenFrom,
  }
}

/** A 401 said in terms of what the person can do about it (log in), rather than the server's raw words. */
function explainUnauthorized(e: unknown, ctx: RemoteContext): unknown {
  if (!isKeywardError(e) || e.status !== 401 || ctx.tokenFrom === 'given') return e
  const login = `run \`keyward login --url ${ctx.config.url}\``
  const what =
    ctx.tokenFrom === 'none' ? `not logged in to ${ctx.config.url}` : `your session on ${ctx.config.url} has ended`
  return new KeywardError('unauthorized', `${what}; ${login}`)
}

/**
 * Registers a client command's action: builds the context from the flags, then runs
 * `fn(ctx, options, ...positionalArguments)`. `O` is the command's options as commander parsed them.
 */
export function remoteAction<O extends object, A extends (string | undefined)[] = []>(
  cmd: Command,
  env: Env,
  fn: (ctx: RemoteContext, opts: O, ...args: A) => Promise<void>,
  /** `signsIn`: the command is how one logs in (its 401 means bad credentials, not "log in first"). */
  how: { signsIn?: boolean } = {},
): Command {
  return cmd.action(async (...args: unknown[]) => {
    // commander passes the positional arguments, then the options object, then the command.
    const command = args[args.length - 1] as Command
    const opts = {
      ...rootOf(command).opts<CliFlags & { json?: boolean }>(),
      ...command.opts<O & CliFlags & { json?: boolean }>(),
    }
    const ctx = remoteContext(env, opts)
    try {
      await fn(ctx, opts, ...(args.slice(0, -2) as A))
    } catch (e) {
      throw how.signsIn ? e : explainUnauthorized(e, ctx)
    }
  })
}

/**
 * The program a command belongs to: its `--url`, `--token` and `--json` given before the command
 * (`keyward --url X keys list`, positional options: `globalRemoteOptions`) apply unless the command repeats them.
 */
function rootOf(cmd: Command): Command {
  let root = cmd
  while (root.parent) root = root.parent
  return root
}

/**
 * Lets `--url`, `--token` and `--json` come before the command too (`keyward --url X keys list`),
 * as many CLIs take them. Positional: the program reads its options only before the command's
 * name, so a command's own options after it are still its own (and win over the program's).
 */
export function globalRemoteOptions(program: Command): Command {
  return remoteOptions(program.enablePositionalOptions())
}
