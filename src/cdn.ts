// The script-tag entry: every element registered, and the core to create a client with.
// `<script type="module" src=".../scp-ledger.js">` is all a page needs.
import './elements/all.js';

export * from './core/index.js';
export * from './elements/index.js';
