import { createScp } from '../src/core/index.js';

const scp = createScp();
const status = document.getElementById('status')!;
const counts = await scp.staging.counts();
status.textContent = `Core ready: ${Object.keys(counts).length} cards with pending audits.`;
