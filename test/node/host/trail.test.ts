// The who-did-what trail over HTTP: roles on every endpoint, discards and deletes recorded with
// actor, reason and the request's correlation id, carried on the event stream and filterable.
import type { JsonReply } from '../../helpers/json-reply.js';
import assert from 'node:assert/strict';
import { createHostClient } from '../../../src/core/host/host-client.js';
import { ENDPOINT_ROLES, ROLES, roleAllows, type Role } from '../../../src/core/host/roles.js';
import { startHost, tokenAuth, type RunningHost } from './support/host-server.js';

const auth = (token: string) => ({ authorization: `Bearer ${token}` });
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const TRACEPARENT = `00-${TRACE}-00f067aa0ba902b7-01`;

async function call(
  host: RunningHost,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: unknown,
) {
  const ctl = new AbortController();
  const res = await fetch(`${host.baseUrl}${path}`, {
    method,
    signal: ctl.signal,
    headers: { 'content-type': 'application/json', ...headers },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  // An event stream never ends: its status is all this needs.
  const text = res.headers.get('content-type')?.startsWith('text/event-stream') ? '' : await res.text();
  ctl.abort();
  return { status: res.status, json: text ? (JSON.parse(text) as JsonReply) : undefined };
}

describe('roles on every endpoint', () => {
  let host: RunningHost;
  before(async () => {
    host = await startHost({ auth: tokenAuth });
  });
  after(async () => {
    await host.stop();
  });

  const pathOf = (p: string) =>
    p
      .replace(':id', 'security_20260101_000000_none')
      .replace('/api/runs/security_20260101_000000_none', '/api/runs/run_20260101T000000Z_x_none');
  for (const role of ROLES) {
    it(`${role}: every endpoint it may use answers, every other is 403 naming the role needed`, async () => {
      for (const e of ENDPOINT_ROLES) {
        const r = await call(
          host,
          e.method,
          pathOf(e.path),
          auth(`t-acme-pat-${role}`),
          e.method === 'GET' || e.method === 'DELETE' ? undefined : {},
        );
        const what = `${role} ${e.method} ${e.path}`;
        if (roleAllows(role, e.role)) {
          assert.notEqual(r.status, 403, what);
          assert.notEqual(r.status, 401, what);
        } else {
          assert.equal(r.status, 403, what);
          assert.equal(r.json!.error, 'forbidden', what);
          assert.equal(r.json!.role, e.role, what);
          assert.match(r.json!.message, new RegExp(`needs the ${e.role} role \\(you have ${role}\\)`), what);
        }
      }
    });
  }

  it('a hook that names no role gives operator (deletes need admin); /api/me says what the caller may do', async () => {
    const me = await call(host, 'GET', '/api/me', auth('t-acme-pat'));
    assert.deepEqual(me.json, {
      actor: 'pat',
      tenant: 'acme',
      capabilities: { role: 'operator', stage: true, save: true, discard: true, delete: false, runs: true },
    });
    assert.equal(
      (await call(host, 'DELETE', '/api/audits/saved/security_20260101_000000_none?reason=x', auth('t-acme-pat')))
        .status,
      403,
    );
    const viewer = await call(host, 'GET', '/api/me', auth('t-acme-vi-viewer'));
    assert.deepEqual(viewer.json!.capabilities, {
      role: 'viewer',
      stage: false,
      save: false,
      discard: false,
      delete: false,
      runs: false,
    });
  });

  it('a hook returning true or a bare actor name still works (operator); an unknown role is refused', async () => {
    for (const [hook, actor] of [
      [() => true as const, undefined],
      [() => 'sam', 'sam'],
    ] as const) {
      const h = await startHost({ auth: hook });
      try {
        const me = await call(h, 'GET', '/api/me');
        assert.equal(me.json!.capabilities.role, 'operator');
        assert.equal(me.json!.actor, actor);
      } finally {
        await h.stop();
      }
    }
    const odd = await startHost({ auth: () => ({ actor: 'x', role: 'root' as Role }) });
    try {
      assert.equal((await call(odd, 'GET', '/api/me')).status, 403);
    } finally {
      await odd.stop();
    }
    const open = await startHost();
    try {
      assert.equal((await call(open, 'GET', '/api/me')).json!.capabilities.role, 'admin');
    } finally {
      await open.stop();
    }
  });
});

describe('discards, deletes and correlation over HTTP', () => {
  let host: RunningHost;
  beforeEach(async () => {
    host = await startHost({ auth: tokenAuth });
  });
  afterEach(async () => {
    await host.stop();
  });

  it('records discard and delete with the signed-in actor, the reason and the traceparent trace-id; events carry them; every filter finds them', async () => {
    const op = { ...auth('t-acme-olga-admin'), traceparent: TRACEPARENT };
    const client = createHostClient({ baseUrl: host.baseUrl, headers: op, events: false });
    const a = await client.staging.stage('security', { score: 78 });
    const b = await client.staging.stage('k8s', { pods: 3 });
    assert.ok(a.staged && b.staged);
    await client.staging.save([a.snapshot.snapshot_id]);
    const d = await client.staging.discard([b.snapshot.snapshot_id], { reason: 'stale scan' });
    assert.match(d.action_id!, /^act_/);
    // A delete needs a reason over HTTP too.
    assert.equal((await call(host, 'DELETE', `/api/audits/saved/${a.snapshot.snapshot_id}`, op)).json!.field, 'reason');
    const del = await client.ledger.deleteAudit(a.snapshot.snapshot_id, { reason: 'wrong account' });
    const run = await client.runs.track({ type: 'deploy', summary: 'rolled out' }, async (h) => {
      await h.artifact({ type: 'pr', value: '42', repo: 'github.com/acme/api', summary: 'the fix' });
      return { ok: true };
    });
    assert.deepEqual(run, { ok: true });

    const actions = await call(host, 'GET', '/api/ledger/entries?kind=action', op);
    const byId = new Map(actions.json!.entries.map((e: { id: string }) => [e.id, e]));
    assert.deepEqual(
      [d.action_id, del.action_id].map((id) => {
        const e = byId.get(id) as Record<string, string>;
        return [e.type, e.actor, e.reason, e.correlation_id];
      }),
      [
        ['audit:discarded', 'olga', 'stale scan', TRACE],
        ['audit:deleted', 'olga', 'wrong account', TRACE],
      ],
    );
    const full = await call(host, 'GET', `/api/ledger/actions/${del.action_id}`, op);
    assert.deepEqual(full.json!.targets, [
      { id: a.snapshot.snapshot_id, card_key: 'security', content_hash: a.snapshot.content_hash },
    ]);

    // The correlation id finds the save, the run, the discard and the delete (the saved audit itself is gone).
    const correlated = await client.ledger.list({ correlation: TRACE });
    assert.deepEqual(new Set(correlated.entries.map((e) => e.kind)), new Set(['run', 'action']));
    assert.equal(correlated.entries.length, 3);
    assert.equal((await client.ledger.list({ text: TRACE.slice(0, 12) })).entries.length, 3);
    assert.equal((await client.ledger.list({ correlation: 'other' })).entries.length, 0);
    const byRequestId = createHostClient({
      baseUrl: host.baseUrl,
      headers: { ...auth('t-acme-olga'), 'x-request-id': 'req-7' },
      events: false,
    });
    await byRequestId.runs.track({ type: 'scan' }, () => 1);
    assert.equal((await call(host, 'GET', '/api/ledger/entries?correlation=req-7', op)).json!.entries.length, 1);
    // Seed 004 queries over HTTP: artifact type alone, repo, event type.
    assert.equal((await call(host, 'GET', '/api/ledger/entries?artifact=pr', op)).json!.entries.length, 1);
    assert.equal(
      (await call(host, 'GET', `/api/ledger/entries?repo=${encodeURIComponent('github.com/acme/api')}`, op)).json!
        .entries.length,
      1,
    );

    // The stream's envelopes carry who, why and the correlation id.
    const hist = await call(host, 'GET', '/api/events/history?limit=100', op);
    const events = hist.json!.events as { type: string; key: string; correlation_id?: string; data: JsonReply }[];
    const discarded = events.find((e) => e.type === 'audit:discarded')!;
    assert.deepEqual(
      [discarded.key, discarded.correlation_id, discarded.data.actor, discarded.data.reason, discarded.data.action_id],
      [b.snapshot.snapshot_id, TRACE, 'olga', 'stale scan', d.action_id],
    );
    const deleted = events.find((e) => e.type === 'audit:deleted')!;
    assert.deepEqual(
      [deleted.key, deleted.correlation_id, deleted.data.actor, deleted.data.reason],
      [a.snapshot.snapshot_id, TRACE, 'olga', 'wrong account'],
    );
    assert.ok(
      events.filter((e) => e.type === 'ledger:written').length >= 4,
      'ledger:written for the save, discard, delete and run',
    );
    assert.ok(events.some((e) => e.type === 'run:completed' && e.correlation_id === TRACE));
    await client.close();
    await byRequestId.close();
  });
});
