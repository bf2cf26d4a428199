import assert from 'node:assert/strict';
import { runTracked } from '../../../src/core/runs/decorator.js';
import type { RunHandle, Runs } from '../../../src/core/runs/types.js';
import { fixture, sleep, type Fixture } from './runs-fixture.js';

describe('@runTracked', () => {
  let f: Fixture;
  beforeEach(() => {
    f = fixture();
  });
  afterEach(() => f.dispose());

  const lastRun = async () => {
    await sleep(2);
    await f.runs.flush();
    const completed = f.seen.filter((e) => e.name === 'run:completed');
    const id = (completed[completed.length - 1]?.payload as { run_id?: string } | undefined)?.run_id;
    return id ? (await f.ledger.getRun(id))?.run : undefined;
  };

  it('tracks an async method, passing this and the arguments through and returning its result', async () => {
    const client = { runs: f.runs };
    const result = { ok: true, summary: 'rolled out' };
    class Deployer {
      constructor(readonly cluster: string) {}
      @runTracked(
        function (this: Deployer, service: string) {
          return { type: 'deploy', subtype: `deploy:${service}`, target: this.cluster };
        },
        { client },
      )
      async deploy(service: string, replicas: number) {
        await Promise.resolve();
        assert.equal(this.cluster, 'prod-eu');
        assert.deepEqual([service, replicas], ['api', 3]);
        return result;
      }
    }
    const out = await new Deployer('prod-eu').deploy('api', 3);
    assert.equal(out, result);
    const run = await lastRun();
    assert.deepEqual(
      [run?.subtype, run?.target, run?.status, run?.summary],
      ['deploy:api', 'prod-eu', 'ok', 'rolled out'],
    );
  });

  it('with { handle: true } hands the run handle to the method as its last argument (events and artifacts, no this)', async () => {
    const client = { runs: f.runs };
    class Releaser {
      @runTracked((version: string) => ({ type: 'git', subtype: 'git:tag', target: version }), { client, handle: true })
      async release(version: string, run?: RunHandle) {
        await run!.event({ type: 'repo_push', status: 'ok' });
        await run!.artifact({ type: 'tag', value: version, repo: '/srv/api' });
        return version;
      }
    }
    assert.equal(await new Releaser().release('v1.2.0'), 'v1.2.0');
    const id = (f.seen.filter((e) => e.name === 'run:completed').at(-1)!.payload as { run_id: string }).run_id;
    await f.runs.flush();
    const rec = (await f.ledger.getRun(id))!;
    assert.deepEqual(
      rec.events.map((e) => e.type),
      ['repo_push'],
    );
    assert.deepEqual(rec.run['artifacts'], [{ ref_type: 'tag', ref_value: 'v1.2.0', repo: '/srv/api' }]);
    const listed = (await f.ledger.list({ repo: '/srv/api', event: 'repo_push', artifact: 'tag' })).entries.map(
      (e) => e.id,
    );
    assert.deepEqual(listed, [id]);
  });

  it('keeps a synchronous method synchronous and rethrows its own error instance', async () => {
    const boom = new RangeError('too many replicas');
    class Scaler {
      @runTracked({ type: 'setup', subtype: 'setup:scale' }, { client: () => ({ runs: f.runs }) })
      scale(n: number): number {
        if (n > 10) throw boom;
        return n * 2;
      }
    }
    const s = new Scaler();
    const value = s.scale(4);
    assert.equal(value, 8, 'the value itself, not a promise');
    assert.equal((await lastRun())?.status, 'ok');
    assert.throws(
      () => s.scale(11),
      (e) => e === boom,
    );
    const run = await lastRun();
    assert.deepEqual([run?.status, run?.error], ['failed', 'too many replicas']);
  });

  it('finds the client through this when given a function of the instance', async () => {
    class Page {
      scp = { runs: f.runs };
      @runTracked({ type: 'scan' }, { client: (self: Page) => self.scp })
      async scan() {
        return { status: 'partial' };
      }
    }
    await new Page().scan();
    assert.equal((await lastRun())?.status, 'partial');
  });

  it('marks a method whose promise rejects as failed and rejects with the same error', async () => {
    const boom = new Error('cluster unreachable');
    class D {
      @runTracked({ type: 'deploy' }, { client: { runs: f.runs } })
      async go(): Promise<void> {
        throw boom;
      }
    }
    await assert.rejects(new D().go(), (e) => e === boom);
    assert.equal((await lastRun())?.status, 'failed');
  });

  it('falls back to track (a promise) for a Runs without wrap', async () => {
    const trackOnly: Pick<Runs, 'track'> = { track: (spec, fn) => f.runs.track(spec, fn) };
    class D {
      @runTracked({ type: 'build' }, { client: { runs: trackOnly as Runs } })
      build() {
        return 42;
      }
    }
    assert.equal(await (new D().build() as unknown as Promise<number>), 42);
    assert.equal((await lastRun())?.status, 'ok');
  });

  it('refuses to decorate anything but a method with a ValidationError', () => {
    const decorate = runTracked({ type: 'build' }, { client: { runs: f.runs } });
    assert.throws(
      () => decorate(() => 1, { kind: 'field', name: 'x' } as unknown as ClassMethodDecoratorContext),
      (e: { code?: string }) => e.code === 'validation',
    );
  });
});
