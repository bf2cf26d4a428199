// In Chromium against the real Node host (another origin, CORS): the host client's pages of
// `/api/ledger/entries` (what the host-mode <scp-audit-log> lists) and `/api/events/history` are
// asked again with If-None-Match, and the browser hands the 304 to the client, which answers from
// its kept copy; a change gets a fresh 200. The log element shows the same rows after a 304.
import { expect, fixture, html } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import { createHostClient, type HostClient } from '../../../src/core/host/host-client.js';
import '../../../src/elements/audit-log/scp-audit-log.js';
import type { ScpAuditLog } from '../../../src/elements/audit-log/audit-log.js';
import { until } from '../../helpers/until.js';
import { watchedFetch } from '../../helpers/watched-fetch.js';

const NODE_SIDE = 'test/browser/host/real-host.ts';
const nodeCall = <T>(fn: string, ...args: unknown[]) =>
  executeServerCommand<T, unknown>('scp-node-call', { module: NODE_SIDE, fn, args });

describe('ETag / 304 reuse in Chromium against the real Node host', () => {
  let base: string;
  let client: HostClient;
  let watched: ReturnType<typeof watchedFetch>;

  beforeEach(async () => {
    base = (await nodeCall<string>('startRealHost', location.origin))!;
    watched = watchedFetch();
    client = createHostClient({ baseUrl: base, events: false, fetch: watched.fetch });
  });
  afterEach(async () => {
    await client.close();
    await nodeCall('stopRealHost', base);
  });

  const last = (path: string) => watched.last(path);

  it('ledger entries and event history: 304 reused, 200 after a change', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await client.staging.stage(`card${i}`, { i });
      if (r.staged) ids.push(r.snapshot.snapshot_id);
    }
    await client.staging.save(ids.slice(0, 2));
    const first = await client.ledger.list({ kind: 'audit', limit: 10 });
    expect(first.entries.map((e) => e.id).sort()).to.deep.equal(ids.slice(0, 2).sort());
    expect(last('/api/ledger/entries').status).to.equal(200);
    const again = await client.ledger.list({ kind: 'audit', limit: 10 });
    expect(last('/api/ledger/entries').ifNoneMatch).to.be.a('string');
    expect(last('/api/ledger/entries').status).to.equal(304);
    expect(again).to.deep.equal(first);
    await client.staging.save([ids[2]!]);
    expect((await client.ledger.list({ kind: 'audit', limit: 10 })).entries).to.have.length(3);
    expect(last('/api/ledger/entries').status).to.equal(200);

    const page = await client.history({ limit: 4 });
    expect(page.events).to.have.length(4);
    expect(last('/api/events/history').status).to.equal(200);
    expect(await client.history({ limit: 4 })).to.deep.equal(page);
    expect(last('/api/events/history').status).to.equal(304);
    await client.staging.stage('card9', { later: true });
    const fresh = await client.history({ limit: 4 });
    expect(last('/api/events/history').status).to.equal(200);
    expect(fresh.events[0]!.seq).to.be.greaterThan(page.events[0]!.seq!);
  });

  it('<scp-audit-log> in host mode: a refresh with nothing new is a 304 and the rows stay', async () => {
    const r = await client.staging.stage('security', { x: 1 });
    if (!r.staged) throw new Error('not staged');
    await client.staging.save([r.snapshot.snapshot_id]);
    const log = await fixture<ScpAuditLog>(html`<scp-audit-log .client=${client}></scp-audit-log>`);
    const rows = () => log.shadowRoot!.querySelectorAll('tbody tr').length;
    await until(() => rows() === 1, 'the saved audit listed');
    const asked = watched.count('/api/ledger/entries');
    // A reset on the bus (as after a host restart) makes the log load its page again.
    client.bus.emit('sys:reset', { reason: 'reload' });
    await until(() => watched.count('/api/ledger/entries') > asked, 'the log asked again');
    expect(last('/api/ledger/entries').status).to.equal(304);
    await log.updateComplete;
    expect(rows()).to.equal(1);
    expect(log.shadowRoot!.querySelector<HTMLElement>('tbody tr')!.dataset.id).to.equal(r.snapshot.snapshot_id);
  });
});
