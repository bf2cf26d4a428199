import assert from 'node:assert/strict';
import { ValidationError } from '../../../src/core/errors/index.js';
import {
  AuditMeta,
  AuditSnapshot,
  BusEvents,
  parseWith,
  Preview,
  Run,
  RunEvent,
  RunRecord,
  SavedAudit,
  Suggestion,
} from '../../../src/core/schemas/index.js';

const snapshot = {
  snapshot_id: 'security_20260217_204500',
  card_key: 'security',
  audit_type: 'devops',
  computed_at: 1771361100.5,
  iso: '2026-02-17T20:45:00Z',
  status: 'ok',
  duration_s: 1.234,
  summary: '3 issues · Score: 78 · (B)',
  data: { findings: [1, 2, 3] },
};
const run = {
  run_id: 'run_20260217T204500Z_deploy_x7k2',
  type: 'deploy',
  subtype: 'deploy:k8s',
  status: 'ok',
  user: 'ana',
  code_ref: 'abc123',
  started_at: '2026-02-17T20:45:00Z',
  ended_at: '2026-02-17T20:45:03Z',
  duration_ms: 3000,
  environment: 'prod',
  modules_affected: ['api'],
  summary: 'deployed',
  metadata: { replicas: 3 },
};
const event = {
  seq: 1,
  ts: '2026-02-17T20:45:01Z',
  type: 'step',
  adapter: 'kubectl',
  action_id: 'a1',
  target: 'api',
  status: 'ok',
  duration_ms: 40,
  detail: { n: 1 },
};

describe('schemas', () => {
  it("accept the origin's snapshot, saved audit, run and event shapes as they are", () => {
    assert.deepEqual(parseWith(AuditSnapshot, snapshot, 'snapshot'), snapshot);
    assert.deepEqual(
      parseWith(SavedAudit, { ...snapshot, saved_at: '2026-02-17T21:00:00Z', saved_by: 'ana' }, 'saved audit').saved_by,
      'ana',
    );
    assert.deepEqual(parseWith(Run, run, 'run'), run);
    assert.deepEqual(parseWith(RunEvent, event, 'event'), event);
  });

  const extra = { x_host_field: { nested: [1, 'two'] }, schema_version: 3 };
  const loose: [string, Parameters<typeof parseWith>[0], Record<string, unknown>][] = [
    ['AuditSnapshot', AuditSnapshot, snapshot],
    ['AuditMeta', AuditMeta, (({ data: _d, ...m }) => m)(snapshot)],
    ['SavedAudit', SavedAudit, snapshot],
    ['Run', Run, run],
    ['RunEvent', RunEvent, event],
    ['Preview', Preview, { type: 'run', id: run.run_id, exists: true }],
    ['Suggestion', Suggestion, { ref: '@run:', label: 'run', detail: '', icon: '▶', section: 'kinds' }],
  ];
  for (const [name, schema, value] of loose) {
    it(`${name} keeps fields it does not know about`, () => {
      const out = parseWith(schema, { ...value, ...extra }, name) as Record<string, unknown>;
      assert.deepEqual(out.x_host_field, extra.x_host_field);
      assert.equal(out.schema_version, 3);
    });
  }

  it('a run inside a RunRecord keeps its unknown fields, and so do its events', () => {
    const rec = parseWith(RunRecord, { run: { ...run, ...extra }, events: [{ ...event, ...extra }] }, 'run record');
    assert.equal((rec.run as Record<string, unknown>).schema_version, 3);
    assert.equal((rec.events[0] as Record<string, unknown>).schema_version, 3);
  });

  it('reports each bad path in a ValidationError', () => {
    try {
      parseWith(Run, { ...run, status: 'exploded', duration_ms: 'slow' }, 'run');
      assert.fail('expected a throw');
    } catch (e) {
      assert.ok(e instanceof ValidationError);
      assert.equal(e.code, 'validation');
      assert.equal(e.data.what, 'run');
      assert.deepEqual(e.data.issues.map((i) => i.path).sort(), ['duration_ms', 'status']);
      assert.match(e.message, /^Invalid run: .* \(\+1 more\)$/);
    }
  });

  it("rejects a run status outside the origin's words plus running/cancelled/abandoned", () => {
    for (const status of ['ok', 'failed', 'partial', 'running', 'cancelled', 'abandoned'])
      assert.equal(Run.safeParse({ ...run, status }).success, true, status);
    assert.equal(Run.safeParse({ ...run, status: 'error' }).success, false);
  });

  it('names every bus event the origin emits', () => {
    for (const name of [
      'audit:pending',
      'audit:saved',
      'audit:discarded',
      'run:started',
      'run:event',
      'run:completed',
      'ledger:synced',
    ]) {
      assert.ok(name in BusEvents, name);
    }
    assert.equal(
      BusEvents['run:completed'].safeParse({
        run_id: 'r',
        type: 't',
        subtype: 't',
        status: 'ok',
        summary: '',
        duration_ms: null,
      }).success,
      true,
    );
  });
});
