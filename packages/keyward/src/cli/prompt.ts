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
  if (!io.input.isTTY) return readFirstLine(io.input, question)
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
        if (ch === '\u0003') return finish(new UsageError('cancelled'))
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
  if (!io.input.isTTY) return readFirstLine(io.input, question)
  const rl = createInterface({ input: io.input, output: io.output })
  return new Promise((resolve) =>
    rl.question(question, (answer) => {
      rl.close()
      resolve(answer.trim())
    }),
  )
}

/**
 * The first line of a non-interactive stream; a usage error naming what was asked when it is empty
 * (it said "pass the value as a flag", and some answers, a new account's password, have no flag).
 */
function readFirstLine(input: NodeJS.ReadableStream, question: string): Promise<string> {
  const rl = createInterface({ input, terminal: false })
  return new Promise((resolve, reject) => {
    let done = false
    rl.once('line', (line) => {
      done = true
      rl.close()
      resolve(line.replace(/\r$/, ''))
    })
    rl.once('close', () => {
      const asked = question.trim().replace(/:$/, '')
      if (!done)
        reject(
          new UsageError(
            `no input for "${asked}": give it as a flag where the command has one (--help), pipe it on stdin, or run in a terminal`,
          ),
        )
    })
  })
}
