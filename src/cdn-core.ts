// `core.js` of the script-tag build: everything `scp-ledger.js` has plus the whole core API
// (schemas, ledgers, the host client, export). It imports `scp-ledger.js` rather than sharing a
// third chunk with it, so a page that loads only `scp-ledger.js` pays for one file.
export * from './cdn.js';
export * from './core/index.js';
