export { createRefs, MAX_SUGGESTIONS } from './refs.js';
export { parseRefs, scanRefs, splitRef, splitExtension, formatRef, refPattern, KIND_PATTERN } from './parse.js';
export { relativeTime } from './relative-time.js';
export { createAuditResolver, AUDIT_ICON, PENDING_AUDIT_ICON, type AuditResolverDeps } from './audit.js';
export { createRunResolver, RUN_ICON, type RunResolverDeps } from './run.js';
export type { Refs, RefResolver, RefsDeps } from './types.js';
