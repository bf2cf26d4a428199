// Loaded by trusted-types-page.html (Trusted Types required for script URLs): the default ledger
// Worker is refused with a typed error saying what to do, and a host-started Worker works.
import { createScp } from '../../../src/core/client.js';
import { createMemoryStagingStore } from '../../../src/core/storage/memory.js';
import { violations } from '../../helpers/csp-probe.js';

export interface TrustedTypesResult {
  refused: { code?: string; reason?: unknown; message: string };
  violationsWhenRefused: string[];
  saved: { commit: string; head: string | undefined };
  violationsWhenStarted: string[];
  error?: string;
}
declare global {
  interface Window {
    __ttResult?: Promise<TrustedTypesResult>;
  }
}

const settle = () => new Promise((r) => setTimeout(r, 50));

async function run(): Promise<TrustedTypesResult> {
  const name = `tt-${Math.random().toString(36).slice(2)}`;
  const plain = createScp({ channel: false, staging: createMemoryStagingStore(), ledgerName: `${name}-a` });
  const refused = await plain.ledger.head().then(
    () => ({ message: 'started' }),
    (e: { code?: string; data?: { reason?: unknown }; message: string }) => ({
      code: e.code,
      reason: e.data?.reason,
      message: e.message,
    }),
  );
  await settle();
  const violationsWhenRefused = violations.splice(0);

  const workerUrl = new URL('../../../src/core/ledger/git-browser/worker.js', import.meta.url).href;
  const policy = (
    globalThis as unknown as {
      trustedTypes: {
        createPolicy(n: string, r: { createScriptURL(s: string): string }): { createScriptURL(s: string): unknown };
      };
    }
  ).trustedTypes.createPolicy('scp-app', {
    createScriptURL: (s) => {
      if (s !== workerUrl) throw new TypeError(`not our worker: ${s}`);
      return s;
    },
  });
  const scp = createScp({
    channel: false,
    staging: createMemoryStagingStore(),
    ledgerName: `${name}-b`,
    worker: () => new Worker(policy.createScriptURL(workerUrl) as string, { type: 'module' }),
  });
  await scp.staging.stage('security', { findings: [] }, { summary: 'clean' });
  const { commit } = await scp.staging.save('all');
  const head = await scp.ledger.head();
  await scp.close();
  await settle();
  return { refused, violationsWhenRefused, saved: { commit, head }, violationsWhenStarted: violations.splice(0) };
}

window.__ttResult = run().catch((e: unknown) => ({ error: String((e as Error)?.stack ?? e) }) as TrustedTypesResult);
