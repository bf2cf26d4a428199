// The script-tag entry: every element registered, and what a page needs to create a client.
// `<script type="module" src=".../scp-ledger.js">` is all a page needs. The rest of the core
// (schemas, ledgers, the host client, export) is `core.js` beside it, sharing the same chunks, so
// a page that does not use it does not download it.
import './elements/all.js';

export { createScp, type ScpClient, type ScpOptions } from './core/client.js';
export * from './core/errors/index.js';
export { parseRefs, formatRef } from './core/refs/index.js';
export * from './elements/index.js';
