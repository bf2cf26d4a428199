// The HTTP ledger adapter, talking over loopback to the Node request handler, passes the same
// Ledger contract as the memory and git adapters (errors come back as the same typed codes).
// The contract writes entries by several actors, so these hosts import (`ledgerWrite: 'import'`):
// keep the actors a batch names instead of the authenticated one.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nodeFs from 'node:fs';
import { ledgerContract } from '../../contract/ledger.js';
import { createScp } from '../../../src/core/client.js';
import { createHttpBackend } from '../../../src/core/host/http-backend.js';
import { createGitLedger } from '../../../src/core/ledger/git/index.js';
import { startHost } from './support/host-server.js';

// Over HTTP the actor is the auth hook's (the contract's deletes are by bob).
const auth = () => ({ actor: 'bob', role: 'admin' as const });

ledgerContract('HTTP adapter → Node handler (memory ledger)', async () => {
  const host = await startHost({ auth, ledgerWrite: 'import' });
  const { ledger } = createHttpBackend({ baseUrl: host.baseUrl });
  return { ledger, cleanup: () => host.stop() };
});

ledgerContract('HTTP adapter → Node handler (git ledger on disk)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'scp-host-git-'));
  const git = await createGitLedger({ fs: nodeFs, dir });
  const scp = createScp({ ledger: git, channel: false });
  const host = await startHost({ scp, auth, ledgerWrite: 'import' });
  const { ledger } = createHttpBackend({ baseUrl: host.baseUrl });
  return {
    ledger,
    cleanup: async () => {
      await host.stop();
      await scp.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
