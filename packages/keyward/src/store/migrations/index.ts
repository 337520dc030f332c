import type { Migration } from 'kysely'
import type { Dialect } from '../database.js'
import { initial } from './0001_initial.js'
import { tokens } from './0003_tokens.js'
import { rateLimit } from './0004_rate_limit.js'
import { keyUsage } from './0005_key_usage.js'
import { keySearch } from './0006_key_search.js'
import { credentialOrigin } from './0007_credential_origin.js'
import { webhooks } from './0008_webhooks.js'
import { keyRestrictions } from './0009_key_restrictions.js'
import { namedLimits } from './0010_named_limits.js'
import { organizations } from './0011_organizations.js'
import { userLifecycle } from './0012_user_lifecycle.js'
import { keyLineage } from './0013_key_lineage.js'
import { usageBudget } from './0014_usage_budget.js'
import { invitationOrigin } from './0015_invitation_origin.js'
import { userDeletionDone } from './0016_user_deletion_done.js'
import { organizationDeleting } from './0017_organization_deleting.js'
import { usageClaims } from './0018_usage_claims.js'
import { keyStatusAnnouncement } from './0019_key_status_announcement.js'
import { webhookConfiguredBy } from './0020_webhook_configured_by.js'
import { clusterSetting } from './0021_cluster_setting.js'
import { deliveryListing } from './0022_delivery_listing.js'
import { deliveryEvent } from './0023_delivery_event.js'
import { leakReport } from './0024_leak_report.js'
import { identityCreditsEpoch } from './0025_identity_credits_epoch.js'
import { webhookPreviousSecret } from './0026_webhook_previous_secret.js'
import { keyMadeInGrace } from './0027_key_made_in_grace.js'
import { keyPrefixIndex } from './0028_key_prefix_index.js'
import { auditActionRename } from './0029_audit_action_rename.js'
import { auditFilterIndexes } from './0030_audit_filter_indexes.js'
import { secretMaker } from './0031_secret_maker.js'
import { passwordSetByKey } from './0032_password_set_by_key.js'
import { keyOrigins } from './0033_key_origins.js'
import { loginLine } from './0034_login_line.js'
import { invitationLine } from './0035_invitation_line.js'
import { webhookLine } from './0036_webhook_line.js'
import { orgKeyMakers } from './0037_org_key_makers.js'
import { fleetSlugs } from './0038_fleet_slugs.js'
import { keyEventOrganization } from './0039_key_event_organization.js'
import { keyNameOrder } from './0040_key_name_order.js'

/**
 * Every migration, in order. Names sort in application order; a new one is a
 * new file `NNNN_what.ts` exporting `(dialect) => Migration`, added here.
 */
export function allMigrations(dialect: Dialect): Record<string, Migration> {
  return {
    '0001_initial': initial(dialect),
    '0003_tokens': tokens(dialect),
    '0004_rate_limit': rateLimit(dialect),
    '0005_key_usage': keyUsage(dialect),
    '0006_key_search': keySearch(dialect),
    '0007_credential_origin': credentialOrigin(dialect),
    '0008_webhooks': webhooks(dialect),
    '0009_key_restrictions': keyRestrictions(dialect),
    '0010_named_limits': namedLimits(dialect),
    '0011_organizations': organizations(dialect),
    '0012_user_lifecycle': userLifecycle(dialect),
    '0013_key_lineage': keyLineage(dialect),
    '0014_usage_budget': usageBudget(dialect),
    '0015_invitation_origin': invitationOrigin(dialect),
    '0016_user_deletion_done': userDeletionDone(dialect),
    '0017_organization_deleting': organizationDeleting(dialect),
    '0018_usage_claims': usageClaims(dialect),
    '0019_key_status_announcement': keyStatusAnnouncement(dialect),
    '0020_webhook_configured_by': webhookConfiguredBy(dialect),
    '0021_cluster_setting': clusterSetting(dialect),
    '0022_delivery_listing': deliveryListing(dialect),
    '0023_delivery_event': deliveryEvent(dialect),
    '0024_leak_report': leakReport(dialect),
    '0025_identity_credits_epoch': identityCreditsEpoch(dialect),
    '0026_webhook_previous_secret': webhookPreviousSecret(dialect),
    '0027_key_made_in_grace': keyMadeInGrace(dialect),
    '0028_key_prefix_index': keyPrefixIndex(dialect),
    '0029_audit_action_rename': auditActionRename(dialect),
    '0030_audit_filter_indexes': auditFilterIndexes(dialect),
    '0031_secret_maker': secretMaker(dialect),
    '0032_password_set_by_key': passwordSetByKey(dialect),
    '0033_key_origins': keyOrigins(),
    '0034_login_line': loginLine(),
    '0035_invitation_line': invitationLine(),
    '0036_webhook_line': webhookLine(),
    '0037_org_key_makers': orgKeyMakers(),
    '0038_fleet_slugs': fleetSlugs(),
    '0039_key_event_organization': keyEventOrganization(),
    '0040_key_name_order': keyNameOrder(dialect),
  }
}
