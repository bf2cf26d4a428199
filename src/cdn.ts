// The script-tag entry: every element registered, and what a page needs to create a client.
// `<script type="module" src=".../scp-ledger.js">` is all a page needs. The rest of the core
// (schemas, ledgers, export) comes from `loadCore()` and host-backend mode from `loadHost()`,
// chunks sharing this file's modules, so a page that does not use them does not download them.
import './cdn-early.js';
import './elements/all.js';

export { createScp, type ScpClient, type ScpOptions } from './core/client.js';
export * from './core/errors/index.js';
export { parseRefs, formatRef } from './core/refs/index.js';
export * from './elements/index.js';

/** The whole core API (`scp-ledger/core`): ledgers, schemas, export ... */
export const loadCore = (): Promise<typeof import('./core/index.js')> => import('./core/index.js');

/** Host-backend mode (`scp-ledger/host`): `createHostClient` for a server speaking the origin's API. */
export const loadHost = (): Promise<typeof import('./core/host/index.js')> => import('./core/host/index.js');
