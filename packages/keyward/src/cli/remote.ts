import { type Command, Option } from 'commander'
import { type KeywardClient, createClient } from '@keyward/client'
import { type CliConfig, type CliFlags, DEFAULT_URL, loadCliConfig } from './cli-config.js'
import { CredentialStore } from './credentials.js'
import { type Printer, printer } from './output.js'

/** Everything a client command needs: its configuration, a client, where sessions are stored, how to print. */
export interface RemoteContext {
  config: CliConfig
  client: KeywardClient
  credentials: CredentialStore
  out: Printer
}

type Env = Record<string, string | undefined>

/** Adds `--url`, `--token` and `--json` to a client command. */
export function remoteOptions(cmd: Command): Command {
  return cmd
    .option('--url <url>', `Keyward server (KEYWARD_URL, default ${DEFAULT_URL})`)
    .addOption(new Option('--token <token>', 'session token or API key (KEYWARD_TOKEN; default: the one stored by login)'))
    .option('--json', 'print JSON instead of tables (for scripts)')
}

/**
 * Builds the context of a client command from its flags and the environment. The token is
 * `--token`, else `KEYWARD_TOKEN`, else the session `keyward login` stored for this URL.
 */
export function remoteContext(env: Env, flags: CliFlags & { json?: boolean }): RemoteContext {
  const config = loadCliConfig(env, flags)
  const credentials = new CredentialStore(config.configDir)
  const token = config.token ?? credentials.get(config.url)?.token ?? null
  return { config, credentials, client: createClient({ url: config.url, token }), out: printer(flags.json === true) }
}

/**
 * Registers a client command's action: builds the context from the flags, then runs
 * `fn(ctx, options, ...positionalArguments)`. `O` is the command's options as commander parsed them.
 */
export function remoteAction<O extends object, A extends (string | undefined)[] = []>(
  cmd: Command,
  env: Env,
  fn: (ctx: RemoteContext, opts: O, ...args: A) => Promise<void>,
): Command {
  return cmd.action(async (...args: unknown[]) => {
    // commander passes the positional arguments, then the options object, then the command.
    const command = args[args.length - 1] as Command
    const opts = command.opts<O & CliFlags & { json?: boolean }>()
    await fn(remoteContext(env, opts), opts, ...(args.slice(0, -2) as A))
  })
}
