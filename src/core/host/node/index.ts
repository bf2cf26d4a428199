// The Node side of host mode: a plain (req, res) handler serving the host API and its event stream.
export {
  createScpRequestHandler,
  unauthorized,
  forbidden,
  type ScpRequestHandler,
  type ScpRequestHandlerOptions,
  type AuthResult,
} from './request-handler.js';
export { createFileStagingStore } from './file-staging-store.js';
export { trackRoutes, trackKoa, runOf, SCP_RUN, type TrackedRequest } from './track-routes.js';
export {
  createEventJournal,
  type EventJournal,
  type EventJournalOptions,
  type JournalEntry,
  type RetentionOptions,
} from './event-journal.js';
