// The app every consumer fixture builds: the README's npm path (createScp, provideScpClient, one
// import per element), nothing bundler-specific. The matrix test drives it in Chromium.
// Nothing here touches the DOM at import time, so a server-side render may import it.
import { createScp } from 'scp-ledger';
import { provideScpClient } from 'scp-ledger/elements';
import 'scp-ledger/elements/scp-audit-badge.js';
import 'scp-ledger/elements/scp-audit-manager.js';
import 'scp-ledger/elements/scp-audit-log.js';
import 'scp-ledger/elements/scp-ref-autocomplete.js';
import 'scp-ledger/elements/scp-ref-preview.js';

const CARDS = [
  { key: 'security', label: 'Security scan', data: { issues: 3, score: 78 } },
  { key: 'testing', label: 'Test results', data: { passed: 41, failed: 1 } },
];

/** Renders the dashboard into `root` and connects the elements to one client; returns that client. */
export function mountApp(root) {
  const scp = createScp({ actor: 'fixture-user', ledgerName: 'consumer-fixture' });
  const doc = root.ownerDocument;
  const el = (tag, attrs = {}, text) => {
    const node = doc.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text) node.textContent = text;
    return node;
  };
  for (const card of CARDS) {
    const article = el('article', { 'data-card': card.key });
    const title = el('h3', {}, card.label);
    title.append(' ', el('scp-audit-badge', { card: card.key }));
    const scan = el('button', { type: 'button', class: 'scan' }, 'Scan');
    scan.addEventListener('click', () => {
      void scp.staging.stage(card.key, { ...card.data, at: Date.now() }, { status: 'ok', summary: card.label });
    });
    article.append(title, scan);
    root.append(article);
  }
  // No card: the badge counts every card's pending audits and opens the manager on all of them.
  const total = el('p', {}, 'Pending ');
  total.append(el('scp-audit-badge', { id: 'total' }));
  root.append(total, el('scp-audit-manager'), el('scp-audit-log'));
  root.append(el('textarea', { id: 'compose', 'aria-label': 'Message' }),
    el('scp-ref-autocomplete', { for: 'compose' }), el('scp-ref-preview', { for: 'compose' }));
  provideScpClient(root, scp);
  globalThis.scp = scp;
  root.dataset.ready = 'true';
  return scp;
}
