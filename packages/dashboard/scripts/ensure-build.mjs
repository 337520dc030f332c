// Builds the dashboard when dist/ is missing or older than its sources (see scripts/ensure-build.mjs), and
// first the client it bundles a little of: a dashboard test run alone after a pull failed on a stale client dist/.
import { ensureBuilt } from '../../../scripts/ensure-build.mjs'

ensureBuilt('client')
ensureBuilt('dashboard')
