// `npm start`: the playground at http://127.0.0.1:8000/demo/ (PORT to change it).
import { startDemoServer } from './server.mjs';

const { url, stop } = await startDemoServer({ port: Number(process.env.PORT ?? 8000) });
console.log(`scp-ledger playground: ${url}/demo/  (Ctrl-C to stop)`);
const shutdown = () => stop().then(() => process.exit(0));
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
