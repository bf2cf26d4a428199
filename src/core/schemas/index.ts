export * from './audit.js';
export * from './run.js';
export * from './ref.js';
export * from './ledger.js';
export * from './events.js';
export * from './action.js';
export { parseWith } from './parse.js';
