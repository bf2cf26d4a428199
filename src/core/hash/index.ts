export { canonicalJson } from './canonical.js';
export { sha256Hex, contentHash, entryHash, withEntryHash } from './sha256.js';
