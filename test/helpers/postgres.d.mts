export const PG_URL_ENV: string;
export interface PostgresCluster {
  url: string;
  dir: string;
  stop(): Promise<void>;
  stopSync(): void;
}
/** Starts a throwaway cluster (initdb + pg_ctl in a temp dir, loopback, a free port). */
export function startPostgresCluster(): Promise<PostgresCluster>;
/** A new empty database on the run's cluster (SCP_TEST_PG_URL, else one for this process); returns its URL. */
export function createTestDatabase(prefix?: string): Promise<string>;
