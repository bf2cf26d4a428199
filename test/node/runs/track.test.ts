import assert from 'node:assert/strict';
import { AbortedError, LedgerWriteError } from '../../../src/core/errors/index.js';
import { isValidId } from '../../../src/core/ids.js';
import { fixture, GH_TOKEN, type Fixture } from './runs-fixture.js';

async function finished(f: Fixture, id: string) {
  await f.runs.flush();
  const rec = await f.ledger.getRun(id);
  assert.ok(rec, `run ${id} is in the ledger`);
  return rec.run;
}

describe('runs.track', () => {
  let f: Fixture;
  beforeEach(() => {
    f = fixture();
  });
  afterEach(() => f.dispose());

  it("returns the action's own result object and records an ok run with events started → completed", async () => {
    const result = { deployed: 3, summary: 'Deployed 3 services' };
    let id = '';
    const out = await f.runs.track({ type: 'deploy', subtype: 'deploy:k8s', actor: 'ana' }, (h) => {
      id = h.id;
      return result;
    });
    assert.equal(out, result);
    assert.ok(isValidId(id) && id.startsWith('run_20260217T204500Z_deploy_'), id);
    const run = await finished(f, id);
    assert.equal(run.status, 'ok');
    assert.equal(run.summary, 'Deployed 3 services');
    assert.equal(run.subtype, 'deploy:k8s');
    assert.equal(run.user, 'ana');
    assert.deepEqual(run.metadata, { deployed: 3, summary: 'Deployed 3 services' });
    assert.deepEqual(
      f.seen.map((e) => e.name),
      ['run:started', 'run:completed'],
    );
    assert.equal((f.seen[1]!.payload as { status: string }).status, 'ok');
  });

  it('rethrows the very error instance the action threw and records the run as failed with its redacted message', async () => {
    const boom = new Error(`push refused for token ${GH_TOKEN}`);
    let id = '';
    await assert.rejects(
      f.runs.track({ type: 'git' }, (h) => {
        id = h.id;
        throw boom;
      }),
      (e) => e === boom,
    );
    const run = await finished(f, id);
    assert.equal(run.status, 'failed');
    assert.equal(run.error, 'push refused for token [REDACTED:github_token]');
    assert.equal(run.summary, 'push refused for token [REDACTED:github_token]');
    assert.ok(!JSON.stringify(await f.ledger.getRun(id)).includes(GH_TOKEN));
  });

  it('rejects with the same error when an async action rejects', async () => {
    const boom = new TypeError('nope');
    await assert.rejects(
      f.runs.track({ type: 'build' }, async () => {
        await Promise.resolve();
        throw boom;
      }),
      (e) => e === boom,
    );
  });

  const cases: [string, () => unknown, string, string?][] = [
    ['an HTTP status >= 400 in the result', () => ({ status: 503 }), 'failed', 'HTTP 503'],
    [
      'a statusCode >= 400 in the result',
      () => ({ statusCode: 404, message: 'no such cluster' }),
      'failed',
      'no such cluster',
    ],
    [
      'a fetch Response with status 500',
      () => new Response('x', { status: 500, statusText: 'Internal Server Error' }),
      'failed',
      'HTTP 500 Internal Server Error',
    ],
    ['a falsy ok', () => ({ ok: false, error: 'quota exceeded' }), 'failed', 'quota exceeded'],
    ['ok: 0', () => ({ ok: 0 }), 'failed', 'the action reported ok: false'],
    ['status "partial"', () => ({ status: 'partial', summary: '2 of 3 hosts' }), 'partial'],
    ['an HTTP 200 status', () => ({ status: 200 }), 'ok'],
    ['a 2xx Response', () => new Response('fine', { status: 201 }), 'ok'],
    ['ok: true', () => ({ ok: true }), 'ok'],
    ['no result at all', () => undefined, 'ok'],
  ];
  for (const [what, result, status, error] of cases) {
    it(`ends ${status} for ${what}`, async () => {
      let id = '';
      const value = result();
      const out = await f.runs.track({ type: 'deploy' }, (h) => {
        id = h.id;
        return value;
      });
      assert.equal(out, value);
      const run = await finished(f, id);
      assert.equal(run.status, status);
      assert.equal(run.error, error);
    });
  }

  it('ends cancelled when the action throws an AbortError, and still rethrows it', async () => {
    const ctl = new AbortController();
    ctl.abort();
    const abortError = ctl.signal.reason as Error;
    let id = '';
    await assert.rejects(
      f.runs.track({ type: 'backup' }, (h) => {
        id = h.id;
        throw abortError;
      }),
      (e) => e === abortError,
    );
    assert.equal((await finished(f, id)).status, 'cancelled');
  });

  it("ends cancelled when the spec's signal was aborted before the action settled", async () => {
    const ctl = new AbortController();
    let id = '';
    await f.runs.track({ type: 'restore', signal: ctl.signal }, (h) => {
      id = h.id;
      ctl.abort();
      return { restored: 0 };
    });
    assert.equal((await finished(f, id)).status, 'cancelled');
  });

  it('ends cancelled for our own AbortedError', async () => {
    let id = '';
    await assert.rejects(
      f.runs.track({ type: 'scan' }, (h) => {
        id = h.id;
        throw new AbortedError('stopped', { data: { what: 'scan' } });
      }),
    );
    assert.equal((await finished(f, id)).status, 'cancelled');
  });

  it('takes the summary from summary, then message, then error, then "<subtype> <status>"', async () => {
    const ids: string[] = [];
    const results = [
      { summary: 'S', message: 'M' },
      { message: 'M' },
      { ok: false, error: { message: 'E' } },
      { count: 1 },
      { ok: false },
    ];
    for (const r of results)
      await f.runs.track({ type: 'test', subtype: 'test:unit' }, (h) => {
        ids.push(h.id);
        return r;
      });
    await f.runs.flush();
    const summaries = await Promise.all(ids.map(async (id) => (await f.ledger.getRun(id))!.run.summary));
    assert.deepEqual(summaries, ['S', 'M', 'E', 'test:unit ok', 'the action reported ok: false']);
  });

  it("uses the spec's summary for an ok run whose result has none", async () => {
    let id = '';
    await f.runs.track({ type: 'deploy', summary: 'Deploy api to prod' }, (h) => {
      id = h.id;
      return 1;
    });
    assert.equal((await finished(f, id)).summary, 'Deploy api to prod');
  });

  it("harvests metadata with the origin's caps and redacts it", async () => {
    let id = '';
    const result = {
      log: 'x'.repeat(600),
      hosts: Array.from({ length: 25 }, (_, i) => `h${i}`),
      nested: { a: { b: { c: { d: { e: 1 } } } } },
      callback: () => 1,
      big: 10n,
      when: new Date(T0()),
      api_token: 'plain-looking',
      note: `uses ${GH_TOKEN}`,
    };
    await f.runs.track({ type: 'build' }, (h) => {
      id = h.id;
      return result;
    });
    const md = (await finished(f, id)).metadata as Record<string, unknown>;
    assert.equal((md.log as string).length, 500);
    assert.ok((md.log as string).endsWith('…'));
    assert.equal((md.hosts as string[]).length, 21);
    assert.equal((md.hosts as string[])[20], '… +5 more');
    assert.deepEqual(md.nested, { a: { b: { c: '{…}' } } });
    assert.ok(!('callback' in md) && !('big' in md));
    assert.equal(md.when, '2026-02-17T20:45:00.000Z');
    assert.equal(md.api_token, '[REDACTED:token]');
    assert.equal(md.note, 'uses [REDACTED:github_token]');
  });

  it('rejects a spec without a type with a ValidationError before running the action', async () => {
    let ran = false;
    await assert.rejects(
      f.runs.track({ type: '' }, () => {
        ran = true;
      }),
      (e: { code?: string }) => e.code === 'validation',
    );
    assert.equal(ran, false);
  });

  it('keeps a run whose ledger write failed and writes it on the next flush', async () => {
    f.ledger.failWrites(1);
    let id = '';
    await f.runs.track({ type: 'deploy' }, (h) => {
      id = h.id;
      return { ok: true };
    });
    await assert.rejects(f.runs.flush(), (e) => e instanceof LedgerWriteError && e.data.ids.includes(id));
    assert.equal(await f.ledger.getRun(id), undefined);
    const kept = await f.store.getRun(id);
    assert.equal(kept?.run.status, 'ok', 'the finished run waits in the store');
    assert.equal((await f.runs.get(id))?.run.status, 'ok', 'and can still be looked up');
    await f.runs.flush();
    assert.equal((await f.ledger.getRun(id))?.run.status, 'ok');
    await new Promise((r) => setTimeout(r, 5));
    assert.equal(await f.store.getRun(id), undefined, 'removed from the store once written');
  });
});

function T0() {
  return Date.parse('2026-02-17T20:45:00.000Z');
}
