// Host mode for several instances: PostgreSQL behind the host's stores, a git remote as the
// ledger of record. Needs the `pg` package (an optional peer dependency).
export { createPostgresHost, type PostgresHost, type PostgresHostOptions } from './host.js';
export {
  createPostgresJournal,
  closeJournalListener,
  JOURNAL_CHANNEL,
  type PostgresJournalOptions,
} from './journal.js';
export { createPostgresStagingStore, type PostgresStagingStoreOptions } from './staging-store.js';
export { createPostgresReadIndex, type PostgresReadIndexOptions } from './read-index.js';
export { migrate, MIGRATIONS } from './migrations.js';
export { openPool, PostgresUnavailableError, type PostgresConnection } from './connect.js';
