// A real QuotaExceededError from Chromium's IndexedDB (quota lowered through the DevTools
// protocol) must surface as QuotaError and leave everything already stored intact.
import assert from 'node:assert/strict';
import { openChromiumPage, PAGE_ORIGIN, type ChromiumPage } from './chromium-page.js';

const PAGE = `
import { createIdbStagingStore } from './src/core/storage/idb.ts';
// Random text: IndexedDB compresses values, so repeated characters would not use the quota.
function randomText(bytes) {
  const raw = new Uint8Array(bytes);
  for (let o = 0; o < bytes; o += 65536) crypto.getRandomValues(raw.subarray(o, o + 65536));
  let s = '';
  for (const b of raw) s += String.fromCharCode(33 + (b % 90));
  return s;
}
const snap = (id, data) => ({ snapshot_id: id, card_key: 'docs', audit_type: 'devops', computed_at: 1, iso: '1970-01-01T00:00:01.000Z', status: 'ok', duration_s: 0, summary: id, data });
globalThis.fillUntilRefused = async () => {
  const store = createIdbStagingStore({ dbName: 'quota-test' });
  const stored = [];
  let refused;
  for (let i = 0; i < 12 && !refused; i++) {
    try {
      // Two snapshots per call: the batch is stored whole or not at all.
      await store.writeSnapshots({ put: [snap('a' + i, randomText(300000)), snap('b' + i, randomText(300000))] });
      stored.push('a' + i, 'b' + i);
    } catch (e) {
      refused = { code: e.code, cause: e.cause && e.cause.name, store: e.data && e.data.store, failedIds: ['a' + i, 'b' + i] };
    }
  }
  const listed = (await store.listSnapshots()).map((m) => m.snapshot_id).sort();
  const firstStillReadable = (await store.getSnapshot('a0'))?.data.length;
  await store.close();
  return { stored: stored.sort(), refused, listed, firstStillReadable };
};
globalThis.pageReady = true;
`;

describe('IndexedDB staging store at the storage quota (real Chromium)', () => {
  let chromium: ChromiumPage;
  before(async () => {
    chromium = await openChromiumPage(PAGE, async (cdp) => {
      await cdp.send(
        'Storage.overrideQuotaForOrigin' as never,
        { origin: PAGE_ORIGIN, quotaSize: 3 * 1024 * 1024 } as never,
      );
    });
  });
  after(async () => {
    await chromium?.close();
  });

  it('reports QuotaExceededError as QuotaError, stores none of the refused batch, and keeps what was stored', async () => {
    const r = await chromium.page.evaluate(() =>
      (
        globalThis as unknown as {
          fillUntilRefused(): Promise<{
            stored: string[];
            refused?: { code: string; cause: string; store: string; failedIds: string[] };
            listed: string[];
            firstStillReadable?: number;
          }>;
        }
      ).fillUntilRefused(),
    );
    assert.ok(r.refused, 'the browser never refused a write: the quota override did not apply');
    assert.equal(r.refused.code, 'quota_exceeded');
    assert.equal(r.refused.cause, 'QuotaExceededError');
    assert.equal(r.refused.store, 'indexeddb:quota-test');
    assert.ok(r.stored.length >= 2, 'some batches fit before the quota');
    assert.deepEqual(r.listed, r.stored);
    for (const id of r.refused.failedIds) assert.ok(!r.listed.includes(id));
    assert.equal(r.firstStillReadable, 300000);
  });
});
