// `npm start`: the playground at http://127.0.0.1:8000/demo/ (PORT to change it).
// `npm run demo:remote` also creates an empty ledger repository on the local git server
// (`git http-backend` on 127.0.0.1) and prints a playground link that syncs with it, so two
// browser profiles can share one ledger.
import { startDemoServer } from './server.mjs';

const { url, stop } = await startDemoServer({ port: Number(process.env.PORT ?? 8000) });
console.log(`scp-ledger playground: ${url}/demo/  (Ctrl-C to stop)`);
if (process.argv.includes('--with-git-remote')) {
  const repo = await (await fetch(`${url}/__git__/new-repo?name=ledger`)).json();
  if (repo.error) throw new Error(`could not create the ledger repository: ${repo.error}`);
  console.log(`git remote: ${repo.url}`);
  console.log(`playground syncing with it: ${url}/demo/?remote=${encodeURIComponent(repo.url)}  (Settings → Sync now)`);
}
const shutdown = () => stop().then(() => process.exit(0));
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
