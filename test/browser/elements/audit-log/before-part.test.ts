import { expect } from '@esm-bundle/chai';
import { createScp, type ScpClient } from '../../../../src/core/client.js';
import { createMemoryLedger } from '../../../../src/core/ledger/memory.js';
import type { Ledger } from '../../../../src/core/ledger/types.js';
import { createMemoryStagingStore } from '../../../../src/core/storage/memory.js';
import type { ScpAuditLog } from '../../../../src/elements/audit-log/audit-log.js';
import '../../../../src/elements/audit-log/scp-audit-log.js';
import type { ScpLogExportEvent } from '../../../../src/elements/events/log-export-event.js';

// Its own file: this page has not fetched the part's module (<scp-audit-log-body>: filters,
// toolbar, table) before the first test runs.

/** Module URLs fetched since the observer started that name the log's part. */
function partFetches(): { names: () => string[]; stop: () => void } {
  const seen: string[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) seen.push(e.name);
  });
  observer.observe({ type: 'resource' });
  const names = () => {
    for (const e of observer.takeRecords()) seen.push(e.name);
    return seen.filter((n) => n.includes('audit-log.part'));
  };
  return { names, stop: () => observer.disconnect() };
}

/** Two runs: an ok deploy by ana (run_a1) and a failed build by cy (run_b1). */
async function writeTwoRuns(c: ScpClient): Promise<void> {
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
}

describe('<scp-audit-log> before its part has loaded', () => {
  it('is defined and takes properties, attributes and a download at once, fetches its part on connection and then renders them', async () => {
    const fetches = partFetches();
    const c = createScp({ channel: false, ledger: createMemoryLedger(), staging: createMemoryStagingStore() });
    const host = document.createElement('div');
    try {
      await writeTwoRuns(c);
      expect(customElements.get('scp-audit-log')).to.be.a('function');

      const el = document.createElement('scp-audit-log') as ScpAuditLog;
      el.setAttribute('status', 'ok');
      el.setAttribute('page-size', '5');
      el.action = 'run';
      el.client = c;
      expect(el.status).to.equal('ok');
      expect(el.pageSize).to.equal(5);
      expect(el.filters).to.include({ action: 'run', status: 'ok', actor: '' });
      // Detached: nothing rendered and the part not fetched.
      await new Promise((r) => setTimeout(r, 50));
      expect(el.hasUpdated).to.equal(false);
      expect(el.shadowRoot?.querySelector('table') ?? null).to.equal(null);
      expect(fetches.names()).to.deep.equal([]);

      document.body.append(host);
      host.append(el);
      // Asked for before the part's code (or the first page) is there: the export still covers the
      // filtered view, and its result shows in the toolbar once the part has rendered.
      expect(customElements.get('scp-audit-log-body')).to.equal(undefined);
      const exports: ScpLogExportEvent['detail'][] = [];
      el.addEventListener('scp-log-export', (ev) => {
        exports.push(ev.detail);
        ev.preventDefault();
      });
      const downloaded = el.download('csv');
      expect(await downloaded).to.equal(1);
      // The export may finish after the first settle: what it shows is rendered by the next one.
      await el.settled();
      expect(exports.map((d) => [d.format, d.count, d.text.split('\r\n')[1]!.split(',')[2]])).to.deep.equal([
        ['csv', 1, 'run_a1'],
      ]);
      expect(fetches.names()).to.have.length(1);
      const root = el.shadowRoot!;
      expect([...root.querySelectorAll<HTMLElement>('tr[part="row"]')].map((r) => r.dataset['id'])).to.deep.equal([
        'run_a1',
      ]);
      const note = root.querySelector<HTMLElement>('.export-note')!;
      expect([note.textContent, note.dataset['failed']]).to.deep.equal(['Exported 1 entry as CSV.', 'false']);
      expect(root.querySelector<HTMLSelectElement>('select[name="action"]')!.value).to.equal('run');
      expect(root.querySelector<HTMLSelectElement>('select[name="status"]')!.value).to.equal('ok');
      expect(el.getAttribute('action')).to.equal('run');
    } finally {
      fetches.stop();
      host.remove();
      await c.close();
    }
  });

  it('exports before it was ever connected, loading the export code for it', async () => {
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

  it('exports the filtered view when asked while its first page is still loading', async () => {
    // The export's code is already here (as for a second log on a page): only the rows are loading,
    // from a ledger that takes its time to list.
    await import('../../../../src/elements/audit-log/log-export.js');
    const inner = createMemoryLedger();
    const slow: Ledger = {
      ...inner,
      list: async (q) => {
        await new Promise((r) => setTimeout(r, 100));
        return inner.list(q);
      },
    };
    const c = createScp({ channel: false, ledger: slow, staging: createMemoryStagingStore() });
    const el = document.createElement('scp-audit-log') as ScpAuditLog;
    try {
      await writeTwoRuns(c);
      el.status = 'failed';
      el.client = c;
      document.body.append(el);
      const ids = (await el.exportText('jsonl'))
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { id: string }).id);
      expect(ids).to.deep.equal(['run_b1']);
    } finally {
      el.remove();
      await c.close();
    }
  });
});
