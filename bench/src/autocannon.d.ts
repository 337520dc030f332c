// The part of autocannon's API the benchmark uses (the package ships no types).
declare module 'autocannon' {
  interface Result {
    duration: number
    requests: { average: number; total: number; sent: number }
    latency: { p50: number; p99: number; max: number }
    errors: number
    timeouts: number
    non2xx: number
    '2xx': number
  }
  interface Request {
    method?: string
    path?: string
    headers?: Record<string, string>
    body?: string
  }
  interface Options {
    url: string
    method?: string
    connections?: number
    duration?: number
    amount?: number
    timeout?: number
    headers?: Record<string, string>
    body?: string
    requests?: { setupRequest?: (req: Request, context: object) => Request }[]
  }
  export default function autocannon(opts: Options): Promise<Result>
}
