// Builds the dashboard when dist/ is missing or older than its sources (see scripts/ensure-build.mjs).
import { ensureBuilt } from '../../../scripts/ensure-build.mjs'

ensureBuilt('dashboard')
