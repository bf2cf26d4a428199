export { createRuns } from './runs.js';
export { runTracked, type RunTrackedOptions } from './decorator.js';
export { harvestMetadata, harvestValue, HARVEST_LIMITS, EVENT_LIMITS, type HarvestLimits } from './harvest.js';
export { judge, errorMessage, isAbortError, type Verdict, type FinishInput, type FinishedStatus } from './status.js';
export type { Runs, RunsDeps, RunSpec, RunHandle, RunOutcome, RunContextProvider } from './types.js';
export { addArtifact, ARTIFACT_TYPES, type ArtifactRef, type ArtifactType } from './artifacts.js';
