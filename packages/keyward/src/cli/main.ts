import { Command } from 'commander'
import { loadConfig } from '../config.js'
import { KeywardError } from '../core/errors.js'
import { openStore } from '../store/database.js'
import { migrateToLatest } from '../store/migrations.js'
import { serve } from './serve.js'

const program = new Command('keyward').description('Self-hosted API key management').showHelpAfterError()

const serverOptions = (cmd: Command) =>
  cmd
    .option('--host <host>', 'listen address (KEYWARD_HOST, default 127.0.0.1)')
    .option('--port <port>', 'listen port (KEYWARD_PORT, default 8080)')
    .option('--database-url <url>', 'sqlite:<path> or postgres://… (KEYWARD_DATABASE_URL)')
    .option('--redis-url <url>', 'redis://… (KEYWARD_REDIS_URL)')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (KEYWARD_LOG_LEVEL)')
    .option('--public-url <url>', 'public origin of this server (KEYWARD_PUBLIC_URL)')

serverOptions(program.command('serve').description('run the HTTP server')).action(async (flags) => {
  await serve(loadConfig(process.env, flags))
})

serverOptions(program.command('migrate').description('bring the database schema up to date, then exit')).action(async (flags) => {
  const config = loadConfig(process.env, flags)
  const store = openStore(config.databaseUrl)
  try {
    const applied = await migrateToLatest(store.db, store.dialect)
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'schema is up to date')
  } finally {
    await store.close()
  }
})

program.parseAsync(process.argv).catch((e: unknown) => {
  console.error(e instanceof KeywardError ? `error: ${e.message}` : e)
  process.exit(1)
})
