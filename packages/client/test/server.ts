import { ADMIN, STORES, type StoreKind, TestServer } from '../../keyward/test/helpers.js'
import { createClient, type KeywardClient } from '../src/index.js'

export { ADMIN, STORES, type StoreKind }

/** A real Keyward server listening on a random port, on a fresh database of the given kind. */
export interface Listening {
  server: TestServer
  url: string
  /** A client logged in as the first admin. */
  admin: KeywardClient
  close(): Promise<void>
}

/** Starts Keyward in-process (`createKeyward` + `listen({ port: 0 })`) and logs an admin client in. */
export async function listening(kind: StoreKind, env?: Record<string, string>): Promise<Listening> {
  const server = await TestServer.start(kind, { env })
  const url = await server.listen()
  const admin = createClient({ url })
  await admin.auth.login(ADMIN)
  return { server, url, admin, close: () => server.close() }
}

/** Creates a member through the SDK and returns a client logged in as them. */
export async function member(l: Listening, name: string): Promise<{ client: KeywardClient; id: number }> {
  const email = `${name}@example.com`
  const password = `${name}-password-1`
  const user = await l.admin.users.create({ email, password })
  const client = createClient({ url: l.url })
  await client.auth.login({ email, password })
  return { client, id: user.id }
}
