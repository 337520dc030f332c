import { createInterface } from 'node:readline'
import { UsageError } from './parse.js'

/** The streams a prompt talks to (injectable for tests). Prompts go to stderr so stdout stays parseable. */
export interface PromptIo {
  input: NodeJS.ReadStream
  output: NodeJS.WritableStream
}

const defaultIo = (): PromptIo => ({ input: process.stdin, output: process.stderr })

/**
 * Asks for a secret without echoing it. On a terminal the typed characters are not shown;
 * from a pipe (`echo "$PW" | keyward login …`) the first line is read.
 */
export function promptSecret(question: string, io: PromptIo = defaultIo()): Promise<string> {
  if (!io.input.isTTY) return readPipedLine(io.input, question)
  io.output.write(question)
  return new Promise((resolve, reject) => {
    let value = ''
    const finish = (err: Error | null) => {
      io.input.off('data', onData)
      io.input.setRawMode(false)
      io.input.pause()
      io.output.write('\n')
      if (err) reject(err)
      else resolve(value)
    }
    const onData = (chunk: Buffer | string) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return finish(null)
        if (ch === '\u0003') return finish(new UsageError('cancelled', false))
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1)
        else if (ch >= ' ') value += ch
      }
    }
    io.input.setRawMode(true)
    io.input.resume()
    io.input.on('data', onData)
  })
}

/** Asks for a visible answer (an email). */
export function promptLine(question: string, io: PromptIo = defaultIo()): Promise<string> {
  if (!io.input.isTTY) return readPipedLine(io.input, question)
  const rl = createInterface({ input: io.input, output: io.output })
  return new Promise((resolve) =>
    rl.question(question, (answer) => {
      rl.close()
      resolve(answer.trim())
    }),
  )
}

/**
 * The lines of a non-interactive stream, one reader for the whole process: each prompt takes the
 * next line (`printf 'me@x\nPW\n' | keyward login` answers the email, then the password). A reader
 * per prompt buffered every line and the second prompt found the stream at its end (a new user's
 * find).
 */
class PipedLines {
  private readonly lines: string[] = []
  private readonly waiting: { resolve: (line: string) => void; reject: (e: Error) => void; asked: string }[] = []
  private ended = false

  constructor(input: NodeJS.ReadableStream) {
    const rl = createInterface({ input, terminal: false })
    rl.on('line', (line) => this.push(line.replace(/\r$/, '')))
    rl.once('close', () => this.end())
  }

  next(asked: string): Promise<string> {
    const line = this.lines.shift()
    if (line !== undefined) return Promise.resolve(line)
    if (this.ended) return Promise.reject(noInput(asked))
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject, asked }))
  }

  private push(line: string): void {
    const w = this.waiting.shift()
    if (w) w.resolve(line)
    else this.lines.push(line)
  }

  private end(): void {
    this.ended = true
    for (const w of this.waiting.splice(0)) w.reject(noInput(w.asked))
  }
}

const piped = new WeakMap<NodeJS.ReadableStream, PipedLines>()

/**
 * The next line of a non-interactive stream; a usage error naming what was asked when there is
 * none (it said "pass the value as a flag", and some answers, a new account's password, have no flag).
 */
function readPipedLine(input: NodeJS.ReadableStream, question: string): Promise<string> {
  let lines = piped.get(input)
  if (!lines) piped.set(input, (lines = new PipedLines(input)))
  return lines.next(question.trim().replace(/:$/, ''))
}

const noInput = (asked: string) =>
  new UsageError(
    `no input for "${asked}": give it as a flag where the command has one (--help), pipe it on stdin, or run in a terminal`,
  )
