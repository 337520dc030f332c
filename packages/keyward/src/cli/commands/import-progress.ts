import { printable } from '../output.js'
/** Counts of an import so far. */
export interface ImportTally {
  imported: number
  unchanged: number
  rejected: number
}

/** A line the server (or the parser) refused, and why. */
export interface RejectedLine {
  line: number
  error: string
}

/** At most this many rejected lines are kept for the summary (all are printed as they come). */
const MAX_LISTED = 1000

/**
 * The progress of `keys import` on stderr: keys so far, rate, share of the file read and ETA,
 * redrawn in place on a terminal and printed every few seconds otherwise. Rejected lines are
 * printed with their line number as they come (never their content: a line may hold a secret).
 */
export class ProgressLine {
  readonly tally: ImportTally
  private readonly started = Date.now()
  private readonly startOffset: number
  private readonly startCount: number
  private offset: number
  private lastDraw = 0
  /** Kept across resumed runs (in the import state), so the summary lists every refusal. */
  readonly rejectedLines: RejectedLine[]

  constructor(
    private readonly size: number,
    offset: number,
    tally: ImportTally | undefined,
    rejectedBefore: RejectedLine[] | undefined,
    private readonly quiet: boolean,
    private readonly err: NodeJS.WriteStream = process.stderr,
  ) {
    this.tally = { imported: 0, unchanged: 0, rejected: 0, ...tally }
    this.rejectedLines = [...(rejectedBefore ?? [])]
    this.offset = this.startOffset = offset
    this.startCount = this.done()
  }

  add(imported: number, unchanged: number): void {
    this.tally.imported += imported
    this.tally.unchanged += unchanged
  }

  reject(line: number, error: string): void {
    this.tally.rejected++
    if (this.rejectedLines.length < MAX_LISTED) this.rejectedLines.push({ line, error })
    if (!this.quiet) this.err.write(`${this.err.isTTY ? '\r\x1b[K' : ''}line ${line}: ${printable(error)}\n`)
  }

  /** The file has been read and sent up to `offset` bytes. */
  at(offset: number): void {
    this.offset = offset
    const now = Date.now()
    if (this.quiet || (!this.err.isTTY && now - this.lastDraw < 2000)) return
    this.lastDraw = now
    this.err.write(`${this.err.isTTY ? '\r\x1b[K' : ''}${this.text()}${this.err.isTTY ? '' : '\n'}`)
  }

  /** The last line, for people. */
  finish(): void {
    this.err.write(`${this.err.isTTY ? '\r\x1b[K' : ''}${this.text()}\n`)
  }

  /** What `--json` prints. */
  summary() {
    const seconds = (Date.now() - this.started) / 1000
    return {
      ...this.tally,
      seconds: Math.round(seconds * 10) / 10,
      keys_per_s: Math.round((this.done() - this.startCount) / Math.max(seconds, 0.001)),
      rejected_lines: this.rejectedLines,
    }
  }

  private done(): number {
    return this.tally.imported + this.tally.unchanged + this.tally.rejected
  }

  private text(): string {
    const s = (Date.now() - this.started) / 1000
    const rate = (this.done() - this.startCount) / Math.max(s, 0.001)
    const read = this.offset - this.startOffset
    const share = this.size === 0 ? 1 : this.offset / this.size
    const eta = read > 0 ? ((this.size - this.offset) * s) / read : 0
    const { imported, unchanged, rejected } = this.tally
    return (
      `${this.done().toLocaleString('en')} keys (${imported.toLocaleString('en')} imported, ${unchanged.toLocaleString('en')} unchanged, ${rejected} rejected)` +
      ` · ${Math.round(rate).toLocaleString('en')}/s · ${Math.floor(share * 100)}% · ETA ${clock(eta)}`
    )
  }
}

function clock(seconds: number): string {
  const t = Math.round(seconds)
  return t >= 60 ? `${Math.floor(t / 60)}m${String(t % 60).padStart(2, '0')}s` : `${t}s`
}
