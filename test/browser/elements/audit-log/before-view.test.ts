import { expect } from '@esm-bundle/chai';
import { createScp } from '../../../../src/core/client.js';
import { createMemoryLedger } from '../../../../src/core/ledger/memory.js';
import { createMemoryStagingStore } from '../../../../src/core/storage/memory.js';
import type { ScpAuditLog } from '../../../../src/elements/audit-log/audit-log.js';
import '../../../../src/elements/audit-log/scp-audit-log.js';

// Its own file: this page has not fetched the view module before the test runs.

/** Module URLs fetched since the observer started that name the log's view. */
function viewFetches(): { names: () => string[]; stop: () => void } {
  const seen: string[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) seen.push(e.name);
  });
  observer.observe({ type: 'resource' });
  const names = () => {
    for (const e of observer.takeRecords()) seen.push(e.name);
    return seen.filter((n) => n.includes('audit-log.view'));
  };
  return { names, stop: () => observer.disconnect() };
}

describe('<scp-audit-log> before its view has loaded', () => {
  it('is defined and takes properties and attributes at once, fetches its view on connection and then renders them', async () => {
    const fetches = viewFetches();
    const c = createScp({ channel: false, ledger: createMemoryLedger(), staging: createMemoryStagingStore() });
    const host = document.createElement('div');
    try {
      await c.ledger.write({
        runs: [
          {
            run: {
              run_id: 'run_a1',
              type: 'deploy',
              subtype: 'deploy:k8s',
              status: 'ok',
              user: 'ana',
              code_ref: '',
              started_at: new Date().toISOString(),
              summary: 'rolled out',
            },
            events: [],
          },
          {
            run: {
              run_id: 'run_b1',
              type: 'build',
              subtype: 'build:docker',
              status: 'failed',
              user: 'cy',
              code_ref: '',
              started_at: new Date().toISOString(),
              summary: 'image failed',
            },
            events: [],
          },
        ],
      });
      expect(customElements.get('scp-audit-log')).to.be.a('function');

      const el = document.createElement('scp-audit-log') as ScpAuditLog;
      el.setAttribute('status', 'ok');
      el.setAttribute('page-size', '5');
      el.action = 'run';
      el.client = c;
      expect(el.status).to.equal('ok');
      expect(el.pageSize).to.equal(5);
      expect(el.filters).to.include({ action: 'run', status: 'ok', actor: '' });
      // Detached: nothing rendered and the view not fetched.
      await new Promise((r) => setTimeout(r, 50));
      expect(el.hasUpdated).to.equal(false);
      expect(el.shadowRoot?.querySelector('table') ?? null).to.equal(null);
      expect(fetches.names()).to.deep.equal([]);

      document.body.append(host);
      host.append(el);
      await el.settled();
      expect(fetches.names()).to.have.length(1);
      const root = el.shadowRoot!;
      expect([...root.querySelectorAll<HTMLElement>('tr[part="row"]')].map((r) => r.dataset['id'])).to.deep.equal([
        'run_a1',
      ]);
      expect(root.querySelector<HTMLSelectElement>('select[name="action"]')!.value).to.equal('run');
      expect(root.querySelector<HTMLSelectElement>('select[name="status"]')!.value).to.equal('ok');
      expect(el.getAttribute('action')).to.equal('run');
    } finally {
      fetches.stop();
      host.remove();
      await c.close();
    }
  });

  it('exports before it was ever connected, loading the view for it', async () => {
    const c = createScp({ channel: false, ledger: createMemoryLedger(), staging: createMemoryStagingStore() });
    try {
      const el = document.createElement('scp-audit-log') as ScpAuditLog;
      el.client = c;
      // Not connected, so no client is in use yet: the export says so instead of guessing.
      let error: unknown;
      await el.exportText('csv').catch((e: unknown) => {
        error = e;
      });
      expect(error).to.be.instanceOf(Error);
      expect((error as Error).message).to.match(/not connected/i);
    } finally {
      await c.close();
    }
  });
});
