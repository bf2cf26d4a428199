export { createStaging, DEFAULT_MAX_SNAPSHOT_BYTES, lastSavedKey, type LastSaved } from './staging.js';
export { deriveSummary } from './summary.js';
export type { SaveResult, StageItem, StageOptions, StageResult, Staging, StagingDeps } from './types.js';
