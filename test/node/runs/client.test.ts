import assert from 'node:assert/strict';
import { createScp } from '../../../src/core/client.js';
import { runTracked } from '../../../src/core/runs/index.js';

describe('runs through createScp', () => {
  it("records a decorated call with the client's actor and run context, written by close()", async () => {
    const scp = createScp({
      actor: 'ana',
      runContext: () => ({ code_ref: 'abc123', correlation_id: 'req-7' }),
      runs: { groupCommitMs: 60_000 },
    });
    class Ops {
      @runTracked((cluster: string) => ({ type: 'deploy', subtype: 'deploy:k8s', target: cluster }), { client: scp })
      async deploy(_cluster: string) {
        return { ok: true, summary: 'rolled out' };
      }
    }
    const completed: string[] = [];
    scp.bus.on('run:completed', (p) => completed.push(p.run_id));
    await new Ops().deploy('prod-eu');
    const [id] = completed;
    assert.ok(id);
    assert.equal(await scp.ledger.getRun(id), undefined, 'waiting for the group commit');
    const ledger = scp.ledger;
    await scp.close();
    const run = (await ledger.getRun(id))?.run;
    assert.deepEqual(
      [run?.user, run?.code_ref, run?.correlation_id, run?.target, run?.status],
      ['ana', 'abc123', 'req-7', 'prod-eu', 'ok'],
    );
  });
});
