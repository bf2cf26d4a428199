/**
 * The ledger Worker's own code as text, for pages whose bundler copied scp-ledger's modules but
 * not `worker.js` (esbuild and plain Rollup leave `new URL('./worker.js', import.meta.url)` as
 * is). The npm build fills it in (rollup.config.mjs); running from source and in the script-tag
 * build it stays null, since `worker.js` is always served beside the modules there.
 */
const source: string | null = null;
export default source;
