// Request bodies, queries and stored settings go through the one schema path (parseWith): fields
// the hand-written checks let through are refused with a 400 naming them, answers carry the data
// a client rebuilds the typed error from, and a client never makes that data up.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpError, InvalidIdError } from '../../../src/core/errors/index.js';
import { createHttpBackend } from '../../../src/core/host/http-backend.js';
import { createEventJournal } from '../../../src/core/host/node/event-journal.js';
import { rejection } from '../staging/fixtures.js';
import { callHost, startHost, tokenAuth, type RunningHost } from './support/host-server.js';

const call = (host: RunningHost, method: string, path: string, body?: unknown, token?: string) =>
  callHost(host, method, path, { ...(body !== undefined && { body }), ...(token && { token }) });

describe('host request validation', () => {
  let host: RunningHost;
  afterEach(async () => {
    await host?.stop();
  });

  it('refuses a save whose message is not a string, naming the field, and saves nothing', async () => {
    host = await startHost();
    const { staging } = createHttpBackend({ baseUrl: host.baseUrl });
    const s = await staging.stage('security', { a: 1 });
    const id = s.staged ? s.snapshot.snapshot_id : '';
    const r = await call(host, 'POST', '/api/audits/save', { snapshot_ids: [id], message: { text: 'hi' } });
    assert.equal(r.status, 400);
    assert.equal(r.json!.error, 'validation');
    assert.equal(r.json!.field, 'message');
    assert.deepEqual(
      (await staging.list()).map((p) => p.snapshot_id),
      [id],
    );
  });

  it('names the batch item and field of a bad scan in a staged batch', async () => {
    host = await startHost();
    const r = await call(host, 'POST', '/api/audits/stage', {
      items: [
        { card_key: 'security', result: {} },
        { card_key: 'k8s', result: {}, options: { computed_at: 'soon' } },
      ],
    });
    assert.equal(r.status, 400);
    assert.equal(r.json!.field, 'items.1.options.computed_at');
    const empty = await call(host, 'POST', '/api/audits/stage', { items: [] });
    assert.deepEqual([empty.status, empty.json!.field], [400, 'items']);
  });

  it('names an unknown settings key as the field', async () => {
    host = await startHost();
    const r = await call(host, 'PUT', '/api/settings', { default_role: 'viewer', default_rol: 'admin' });
    assert.deepEqual([r.status, r.json!.error, r.json!.field], [400, 'validation', 'default_rol']);
  });

  it('falls back to the default role when the stored settings do not match their schema', async () => {
    host = await startHost({ auth: tokenAuth });
    // Reach the tenant's core once, then damage its stored settings as another version might.
    assert.equal((await call(host, 'GET', '/api/me', undefined, 't-acme-pat')).status, 200);
    await host.clients.get('acme')!.store.setMeta('host:settings', { default_role: 'root' });
    await new Promise((r) => setTimeout(r, 2100)); // the settings copy is trusted for 2 s
    const me = await call(host, 'GET', '/api/me', undefined, 't-acme-pat');
    assert.equal(me.status, 200);
    assert.equal(me.json!.capabilities.role, 'operator');
  });

  it('sends the data a client rebuilds the typed error from, for invalid ids and empty selections', async () => {
    host = await startHost();
    const r = await call(host, 'GET', '/api/audits/pending/..%2Fsecret');
    assert.deepEqual([r.status, r.json!.error, r.json!.field], [400, 'invalid_id', 'id']);
    assert.equal(r.json!.data.id, '../secret');
    assert.match(r.json!.data.reason, /\S/);
    const sel = await call(host, 'POST', '/api/audits/save', { snapshot_ids: ['ok_id', '../x'] });
    assert.deepEqual(sel.json!.data, { id: '../x', reason: sel.json!.data.reason });
    const empty = await call(host, 'POST', '/api/audits/discard', { snapshot_ids: [] });
    assert.deepEqual([empty.json!.error, empty.json!.data], ['empty_selection', { action: 'discard' }]);
  });

  it('keeps an error answer without its data as the HttpError instead of a typed error with made-up data', async () => {
    const answers: Record<string, unknown> = {
      '/api/audits/pending': { error: 'not_found', message: 'gone' },
      '/api/ledger/head': { error: 'invalid_id', message: 'bad', data: { id: 'x', reason: 'too short' } },
    };
    const fetchStub = (async (input: RequestInfo | URL) => {
      const path = new URL(String(input)).pathname;
      return new Response(JSON.stringify(answers[path]), {
        status: 400,
        headers: { 'content-type': 'application/json' },
      });
    }) as typeof fetch;
    const { staging, ledger } = createHttpBackend({ baseUrl: 'http://host.test', fetch: fetchStub });
    const missing = await rejection(staging.list());
    assert.ok(missing instanceof HttpError, `got ${missing.code}`);
    assert.deepEqual((missing as HttpError).data.body, answers['/api/audits/pending']);
    const typed = await rejection(ledger.head());
    assert.ok(typed instanceof InvalidIdError);
    assert.deepEqual(typed.data, { id: 'x', reason: 'too short' });
  });

  it("reads the event journal's stored id through its schema: an id that is not a string is replaced and written back", () => {
    const dir = mkdtempSync(join(tmpdir(), 'scp-journal-meta-'));
    try {
      writeFileSync(join(dir, 'journal.json'), JSON.stringify({ instance_id: 5 }));
      const journal = createEventJournal({ dir });
      assert.equal(typeof journal.instanceId, 'string');
      assert.match(journal.instanceId, /^[0-9a-f-]{36}$/);
      assert.deepEqual(JSON.parse(readFileSync(join(dir, 'journal.json'), 'utf8')), {
        instance_id: journal.instanceId,
      });
      // A good id is kept across a reopen.
      assert.equal(createEventJournal({ dir }).instanceId, journal.instanceId);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
