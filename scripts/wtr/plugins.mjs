// Dev-server plugins shared by the browser tests and the demo server.
// (The git ledger adds its CommonJS pre-bundling and the git http server here.)
export function wtrPlugins() {
  return [];
}
