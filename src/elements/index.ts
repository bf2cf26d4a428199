/**
 * The element classes and their building blocks, without registering any tag.
 * Register with `scp-ledger/elements/scp-<name>.js` (one tag) or `all.js` (every tag).
 */
export { ScpAuditBadge } from './audit-badge/audit-badge.js';
export { ScpAuditManager, type ManagerTab } from './audit-manager/audit-manager.js';
export { ScpJsonTree } from './json-tree/json-tree.js';
export { ScpRefPreview, removeRefText } from './ref-preview/ref-preview.js';
export * from './events/index.js';
export { scpClientContext, provideScpClient, type ScpClientProvision } from './internal/context.js';
export { ScpClientController, type ClientControllerOptions, type ScpClientHost } from './internal/client-controller.js';
export {
  defaultMessages,
  setScpMessages,
  resetScpMessages,
  type ScpMessages,
  type ScpMessageKey,
  type ScpMessageOverrides,
} from './internal/messages.js';
export { formatters, localeOf, type Formatters } from './internal/format.js';
export { ScpElement } from './internal/scp-element.js';
export { displayText, safeUrl } from './internal/text.js';
export { ScpRunBadge } from './run-badge/run-badge.js';
export { subtypeMatches, type CardOf } from './run-badge/card-of.js';
export { ScpRefAutocomplete } from './ref-autocomplete/ref-autocomplete.js';
export { refTokenAt, replaceToken, type RefToken } from './ref-autocomplete/ref-token.js';
export { ScpAuditLog } from './audit-log/audit-log.js';
export { queryOf, RANGE_PRESETS, type LogFilters, type LogRange, type RangePreset } from './audit-log/log-query.js';
export { ScpRunDetailsToggleEvent } from './events/run-details-toggle-event.js';
export { ScpRefPickedEvent } from './events/ref-picked-event.js';
export { ScpLogExportEvent, type ScpLogExportFormat } from './events/log-export-event.js';
