/**
 * The keyward package: the server (`createKeyward`, `loadConfig`) and the
 * in-process verifier with its middlewares (also at `keyward/verifier`).
 */
export { createVerifier, keywardFastify, keywardHono, keywardMiddleware } from './verifier/index.js'
export type {
  KeywardVerifier,
  VerifierConfig,
  KeywardFastifyOptions,
  KeywardHonoOptions,
  KeywardMiddlewareOptions,
  VerifyCode,
  VerifyResult,
  RateLimitState,
  VerifyCallOptions,
  CallContext,
  TrustProxy,
  ChargeOptions,
  LimitCharge,
  PerRequest,
} from './verifier/index.js'
export { createKeyward, type Keyward } from './server.js'
export { loadConfig, type Config } from './config.js'
