// isomorphic-git's browser build reads a global Buffer; the script-tag bundle injects this one.
export { Buffer } from 'buffer';
