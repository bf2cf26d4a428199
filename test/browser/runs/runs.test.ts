import { expect } from '@esm-bundle/chai';
import { createEventBus } from '../../../src/core/events/bus.js';
import { createMemoryLedger } from '../../../src/core/ledger/memory.js';
import type { Ledger } from '../../../src/core/ledger/types.js';
import { createRedactor } from '../../../src/core/redact/redactor.js';
import { createRuns } from '../../../src/core/runs/runs.js';
import type { Runs, RunsDeps } from '../../../src/core/runs/types.js';
import { createIdbStagingStore } from '../../../src/core/storage/idb.js';
import type { StagingStore } from '../../../src/core/storage/types.js';

const src = (path: string) => new URL(`../../../src/core/${path}`, import.meta.url).href;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(get: () => Promise<T> | T, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  const end = performance.now() + ms;
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (performance.now() > end) throw new Error('timed out waiting');
    await sleep(20);
  }
}

/** A second document of this origin that starts a run in the same IndexedDB and keeps it open. */
async function runInFrame(dbName: string): Promise<{ runId: string; heartbeatAt: string; kill(): void }> {
  const iframe = document.createElement('iframe');
  const started = new Promise<{ runId: string; heartbeatAt: string }>((resolve, reject) => {
    const onMessage = (ev: MessageEvent) => {
      if (ev.source !== iframe.contentWindow || ev.data?.from !== 'frame') return;
      window.removeEventListener('message', onMessage);
      if (ev.data.error) reject(new Error(ev.data.error));
      else resolve(ev.data);
    };
    window.addEventListener('message', onMessage);
    setTimeout(() => reject(new Error('the frame did not start its run')), 20_000);
  });
  iframe.srcdoc = `<script type="module">
    try {
      const { createRuns } = await import(${JSON.stringify(src('runs/runs.ts'))});
      const { createIdbStagingStore } = await import(${JSON.stringify(src('storage/idb.ts'))});
      const { createMemoryLedger } = await import(${JSON.stringify(src('ledger/memory.ts'))});
      const { createRedactor } = await import(${JSON.stringify(src('redact/redactor.ts'))});
      const { createEventBus } = await import(${JSON.stringify(src('events/bus.ts'))});
      const runs = createRuns({ store: createIdbStagingStore({ dbName: ${JSON.stringify(dbName)} }), ledger: createMemoryLedger(),
        bus: createEventBus({ channel: false }), redactor: createRedactor(), heartbeatMs: 600000, recoverOnStart: false });
      const h = await runs.start({ type: 'deploy', subtype: 'deploy:frame', actor: 'frame-user' });
      parent.postMessage({ from: 'frame', runId: h.id, heartbeatAt: h.run.heartbeat_at }, '*');
    } catch (e) {
      parent.postMessage({ from: 'frame', error: String(e && e.stack || e) }, '*');
    }
  </script>`;
  document.body.append(iframe);
  const info = await started;
  return { ...info, kill: () => iframe.remove() };
}

describe('runs in Chromium (IndexedDB staging, Web Locks)', () => {
  let dbName: string;
  let stores: StagingStore[];
  let clients: Runs[];
  let ledger: Ledger;

  beforeEach(() => {
    dbName = `scp-runs-test-${crypto.randomUUID()}`;
    stores = [];
    clients = [];
    ledger = createMemoryLedger();
  });
  afterEach(async () => {
    for (const c of clients) c.dispose();
    for (const s of stores) await s.close().catch(() => {});
    indexedDB.deleteDatabase(dbName);
  });

  function client(over: Partial<RunsDeps> = {}): { runs: Runs; store: StagingStore } {
    const store = createIdbStagingStore({ dbName });
    stores.push(store);
    const runs = createRuns({
      store,
      ledger,
      bus: createEventBus({ channel: false }),
      redactor: createRedactor(),
      heartbeatMs: 60_000,
      groupCommitMs: 10,
      recoverOnStart: false,
      ...over,
    });
    clients.push(runs);
    return { runs, store };
  }

  it('keeps a live run in IndexedDB, visible to another connection, and moves it to the ledger when it finishes', async () => {
    const a = client();
    const b = client();
    const h = await a.runs.start({ type: 'build', subtype: 'build:docker' });
    await h.event({ type: 'step', target: 'layer-1' });
    const seenByB = await b.store.getRun(h.id);
    expect(seenByB?.run.status).to.equal('running');
    expect(seenByB?.events.map((e) => e.seq)).to.deep.equal([1]);
    expect((await b.runs.live()).map((r) => r.run_id)).to.deep.equal([h.id]);
    await h.finish({ result: { ok: true, summary: 'image pushed' } });
    await a.runs.flush();
    expect((await ledger.getRun(h.id))?.run.summary).to.equal('image pushed');
    await until(
      () => b.store.getRun(h.id),
      (r) => r === undefined,
    );
    expect(await b.runs.live()).to.deep.equal([]);
  });

  it('does not abandon a run whose owner still holds its lock, even when its heartbeat looks stale', async () => {
    const owner = client();
    const h = await owner.runs.start({ type: 'deploy' });
    const later = Date.now() + 10 * 60_000;
    const other = client({ now: () => new Date(later) });
    expect(await other.runs.recoverAbandoned()).to.deep.equal([]);
    expect((await other.store.getRun(h.id))?.run.status).to.equal('running');

    owner.runs.dispose(); // the owner lets go (as a closing tab does)
    const abandoned = await other.runs.recoverAbandoned();
    expect(abandoned.map((r) => [r.run_id, r.status])).to.deep.equal([[h.id, 'abandoned']]);
    const rec = await ledger.getRun(h.id);
    expect(rec?.run.ended_at).to.equal(h.run.heartbeat_at);
    expect(rec?.run.duration_ms).to.equal(0);
  });

  it('recovers, as abandoned, a run whose document went away, and not while that document lives', async () => {
    const frame = await runInFrame(dbName);
    const page = client({ now: () => new Date(Date.now() + 10 * 60_000) });
    expect(await page.runs.recoverAbandoned(), 'the frame is alive and holds the lock').to.deep.equal([]);
    expect((await page.store.getRun(frame.runId))?.run.user).to.equal('frame-user');

    frame.kill();
    const abandoned = await until(
      () => page.runs.recoverAbandoned(),
      (r) => r.length > 0,
    );
    expect(abandoned.map((r) => [r.run_id, r.status, r.ended_at])).to.deep.equal([
      [frame.runId, 'abandoned', frame.heartbeatAt],
    ]);
    expect((await ledger.getRun(frame.runId))?.run.status).to.equal('abandoned');
    await until(
      () => page.store.getRun(frame.runId),
      (r) => r === undefined,
    );
  });

  it('writes a burst of 20 runs as one ledger write through IndexedDB staging', async () => {
    let writes = 0;
    const inner = ledger;
    ledger = {
      ...inner,
      write: (b) => {
        writes++;
        return inner.write(b);
      },
      getRun: (id) => inner.getRun(id),
    } as Ledger;
    // A wide window so a busy machine still fits the burst in it; flush() writes at once anyway.
    const a = client({ groupCommitMs: 2000 });
    const ids = await Promise.all(Array.from({ length: 20 }, () => a.runs.track({ type: 'test' }, (h) => h.id)));
    await a.runs.flush();
    expect(writes).to.equal(1);
    for (const id of ids) expect((await inner.getRun(id))?.run.status).to.equal('ok');
  });
});
