import type { Config } from '../../config.js'
import type { Clock } from '../../core/clock.js'
import type { ActorRepository } from '../../store/actor-repository.js'
import type { Store } from '../../store/database.js'
import { KeyRepository } from '../../store/key-repository.js'
import type { RefreshTokenRepository } from '../../store/refresh-token-repository.js'
import { WebhookOutbox } from '../../store/webhook-outbox.js'
import { WebhookRepository } from '../../store/webhook-repository.js'
import type { AuditLog } from '../auth/audit-log.js'
import { WebhookDispatcher } from './dispatcher.js'
import { SecretBox } from './secret-box.js'
import { WebhookService } from './webhook-service.js'
import { KeySweepRepository } from '../../store/key-sweep-repository.js'
import { KeyEventSweeper } from './key-sweeper.js'

/** The webhook use cases, the started dispatcher and the started scheduled-event sweeper, over one store. */
export function openWebhooks(
  store: Store,
  actors: ActorRepository,
  secrets: Pick<RefreshTokenRepository, 'secret'>,
  audit: AuditLog,
  clock: Clock,
  config: Pick<Config, 'webhookKey' | 'webhookAllowPrivate' | 'webhookTimeoutMs' | 'expiryWarningDays' | 'idleDays'>,
  onError: (e: unknown) => void,
): { service: WebhookService; dispatcher: WebhookDispatcher; sweeper: KeyEventSweeper } {
  const box = secrets.secret('webhook_key').then((dbKey) => {
    if (!dbKey) throw new Error('the webhook key is missing from server_secret; run the migrations')
    return new SecretBox(config.webhookKey, dbKey)
  })
  box.catch(onError)
  const dispatcher = new WebhookDispatcher(
    new WebhookOutbox(store.db, store.dialect),
    box,
    clock,
    { timeoutMs: config.webhookTimeoutMs, allowPrivate: config.webhookAllowPrivate },
    onError,
  )
  dispatcher.start()
  const service = new WebhookService(
    new WebhookRepository(store.db, store.dialect),
    actors,
    box,
    audit,
    clock,
    dispatcher,
    config.webhookAllowPrivate,
    new KeyRepository(store.db, store.dialect),
  )
  const sweeper = new KeyEventSweeper(
    new KeySweepRepository(store.db, store.dialect, store.readDb),
    clock,
    config,
    onError,
  )
  sweeper.start()
  return { service, dispatcher, sweeper }
}
