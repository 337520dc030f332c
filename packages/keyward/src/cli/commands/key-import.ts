import { createReadStream, existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import type { Command } from 'commander'
import { type ImportKeyInput, type KeywardClient, isKeywardError } from '@keyward/client'
import { UsageError, parse } from '../parse.js'
import { remoteAction, remoteOptions } from '../remote.js'
import { type ImportTally, ProgressLine, type RejectedLine } from './import-progress.js'

type Env = Record<string, string | undefined>

/** Where an interrupted import resumes: the byte after the last line of the last batch the server took. */
interface ResumeState {
  size: number
  offset: number
  line: number
  tally: ImportTally
  rejected_lines: RejectedLine[]
}

/** A line waiting to be sent. */
interface Pending {
  line: number
  key: ImportKeyInput
}

/**
 * `keyward keys import <file.jsonl>`: one key per line (the fields of `POST /v1/keys/import`),
 * streamed in batches (all or nothing each; a refused key is set aside with its line number and
 * the rest sent again). Progress on stderr; `--json` prints a summary instead. After each batch
 * `<file>.import-state` records how far it got, so running the command again resumes there
 * (re-sending a batch is harmless too: keys with an external_id are skipped by the server).
 */
export function registerKeyImport(keys: Command, env: Env): void {
  remoteAction<{ batch?: number; restart?: boolean; json?: boolean }, [string]>(
    remoteOptions(
      keys
        .command('import')
        .description('import keys from a JSONL file (plaintext or hash per line); resumes after an interruption')
        .argument('<file>', 'JSON Lines: {"plaintext": …} or {"hash": {"value", "variant"}}, plus name, scopes, …'),
    )
      .option('--batch <n>', 'keys per request, at most 1000 (default 1000)', parse.positive)
      .option('--restart', 'ignore the saved position and start from the first line'),
    env,
    async ({ client, out }, o, file) => {
      if ((o.batch ?? 1000) > 1000) throw new UsageError('--batch: at most 1000 keys per request')
      const size = sizeOf(file)
      const statePath = `${file}.import-state`
      const state = o.restart ? null : loadState(statePath, size)
      const progress = new ProgressLine(size, state?.offset ?? 0, state?.tally, state?.rejected_lines, o.json === true)
      if (state) out.note(`resuming at line ${state.line + 1} (${state.tally.imported} imported before)`)
      const run = new ImportRun(client, progress, (s) => saveState(statePath, { size, ...s }))
      await run.file(file, state, o.batch ?? 1000)
      const summary = progress.summary()
      out.result(summary, () => progress.finish())
      // As `keys create` says of one: an old system's keys brought in as they are hold full rights here.
      if (run.unscoped > 0)
        out.note(
          `${run.unscoped.toLocaleString('en')} of the keys taken have no scopes: on Keyward's API each holds all of ` +
            'its owner\'s rights ("scopes" narrows a key, e.g. to the scopes your API checks).',
        )
      if (summary.rejected > 0) process.exitCode = 1
    },
  )
}

/** The file's size, or a one-line usage error (it was a stack trace) when it cannot be read. */
function sizeOf(file: string): number {
  try {
    return statSync(file).size
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    throw new UsageError(
      code === 'ENOENT' ? `no such file: ${file}` : `cannot read ${file}: ${code ?? String(e)}`,
      false,
    )
  }
}

/** Written whole then renamed: a run killed while saving leaves the previous state, never half of one. */
function saveState(path: string, state: ResumeState): void {
  writeFileSync(`${path}.tmp`, JSON.stringify(state))
  renameSync(`${path}.tmp`, path)
}

function loadState(path: string, size: number): ResumeState | null {
  if (!existsSync(path)) return null
  const s = JSON.parse(readFileSync(path, 'utf8')) as ResumeState
  return s.size === size ? s : null // another file under the same name: start over
}

/** Reads, batches and sends; keeps the tally and the resume position. */
class ImportRun {
  constructor(
    private readonly client: KeywardClient,
    private readonly progress: ProgressLine,
    private readonly save: (s: Omit<ResumeState, 'size'>) => void,
  ) {}

  /** Where the last accepted batch ended: a failed batch's state resumes here. */
  private at = { offset: 0, line: 0 }
  /** Keys taken without scopes (each holds its owner's full rights on Keyward's API). */
  unscoped = 0

  async file(path: string, from: ResumeState | null, batchSize: number): Promise<void> {
    let offset = from?.offset ?? 0
    let line = from?.line ?? 0
    this.at = { offset, line }
    // Lines an interrupted batch set aside were judged: sending them again would be refused again.
    const setAside = new Set((from?.rejected_lines ?? []).filter((r) => r.line > line).map((r) => r.line))
    let batch: Pending[] = []
    const lines = createInterface({ input: createReadStream(path, { start: offset }), crlfDelay: Infinity })
    for await (const text of lines) {
      line++
      offset += Buffer.byteLength(text) + 1
      const key = setAside.has(line) ? null : this.parseLine(text, line)
      if (key) batch.push({ line, key })
      if (batch.length < batchSize) continue
      await this.send(batch, offset, line)
      batch = []
    }
    await this.send(batch, offset, line)
  }

  private parseLine(text: string, line: number): ImportKeyInput | null {
    if (text.trim() === '') return null
    try {
      const v: unknown = JSON.parse(text)
      if (v && typeof v === 'object' && !Array.isArray(v)) return v
    } catch {
      // reported below, without the line's content (it may hold a secret)
    }
    this.progress.reject(line, 'not a JSON object')
    return null
  }

  /**
   * Sends a batch (setting refused keys aside), then records the position. A batch that fails (a
   * 429, the server gone) is resumed from its start, but what it set aside is recorded, so the next
   * run skips those lines: sending them again spent a new hour's refusals on the same keys and
   * never got past them (found by an attacker).
   */
  private async send(batch: Pending[], offset: number, line: number): Promise<void> {
    const before = { ...this.progress.tally }
    const setAsideBefore = this.progress.rejectedLines.length
    try {
      if (batch.length > 0) await this.sendAll(batch)
    } catch (e) {
      const rejected = this.progress.rejectedLines
      const tally = { ...before, rejected: before.rejected + rejected.length - setAsideBefore }
      this.save({ ...this.at, tally, rejected_lines: rejected })
      throw e
    }
    this.at = { offset, line }
    this.progress.at(offset)
    this.save({ offset, line, tally: this.progress.tally, rejected_lines: this.progress.rejectedLines })
  }

  /**
   * All or nothing per call: a 400 names the refused key (`keys[i]…`): it is set aside and the
   * rest sent again. Another refusal (403, 409) names none: the batch is halved until it does.
   * A 401 or 429 stops the run. A 408 (a link too slow for the server's request timeout) judged no
   * key: the batch is halved too, smaller requests arrive sooner, but one key is never set aside for
   * it: the run stops there, resumably.
   */
  private async sendAll(batch: Pending[]): Promise<void> {
    try {
      const r = await this.client.apiKeys.import(batch.map((p) => p.key))
      this.progress.add(r.imported, r.unchanged)
      // Counted once taken: lines set aside were counted too, and the note spoke of keys never stored (a new user's find).
      this.unscoped += batch.filter((p) => !p.key.scopes?.length).length
    } catch (e) {
      if (isKeywardError(e) && e.status === 429) throw throttled(e.message, e.retryAfterS)
      if (isKeywardError(e) && e.code === 'request_timeout' && batch.length === 1) throw tooSlow(e.message)
      if (!isKeywardError(e) || e.status < 400 || e.status >= 500 || e.status === 401) throw e
      const index = refusedIndex(e.details)
      if (index !== null && index < batch.length) {
        this.progress.reject(batch[index]!.line, e.message)
        const rest = batch.filter((_, i) => i !== index)
        return rest.length > 0 ? this.sendAll(rest) : undefined
      }
      if (batch.length === 1) return this.progress.reject(batch[0]!.line, e.message)
      const half = Math.ceil(batch.length / 2)
      await this.sendAll(batch.slice(0, half))
      await this.sendAll(batch.slice(half))
    }
  }
}

/**
 * A 429 (this person's secrets were refused too often: `KEYWARD_SECRET_REFUSALS_PER_HOUR`) stops the run
 * rather than setting keys aside that were never judged; the state file resumes at this batch.
 */
function throttled(message: string, retryAfterS: number | undefined): Error {
  const wait = retryAfterS === undefined ? 'later' : `in ${retryAfterS} s`
  return new Error(`${message} (run the same command again ${wait}: it resumes where it stopped)`)
}

/** A 408 for a single key: not even one reaches the server in full within its request timeout. */
function tooSlow(message: string): Error {
  return new Error(`${message} (run the same command again over a faster link: it resumes where it stopped)`)
}

/** The index in `keys[i]…` of a 400's first field, or null. */
function refusedIndex(details: unknown): number | null {
  const field = Array.isArray(details) ? (details[0] as { field?: unknown } | undefined)?.field : undefined
  const m = typeof field === 'string' ? /^keys\[(\d+)\]/.exec(field) : null
  return m ? Number(m[1]) : null
}
