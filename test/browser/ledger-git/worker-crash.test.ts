import { expect } from '@esm-bundle/chai';
import { makeAudit } from '../../contract/ledger.js';
import { StorageClosedError, ValidationError, WorkerCrashedError } from '../../../src/core/errors/index.js';
import { deleteBrowserGitLedger } from '../../../src/core/ledger/git-browser/browser-ledger.js';
import { createWorkerGitLedger } from '../../../src/core/ledger/git-browser/worker-ledger.js';

const uniq = (p: string) => `${p}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;

/**
 * A Worker that opens like the ledger's and then fails with an uncaught error (what a crash of the
 * real one looks like to the page) instead of answering the next call.
 */
function crashingWorker(): Worker {
  return workerFrom(`setTimeout(() => { throw new Error('out of memory in ' + m.method); });`);
}

/** A Worker that opens like the ledger's and answers each call with `answer` (JS, `m` is the call). */
function workerFrom(answer: string): Worker {
  const source = `self.onmessage = (e) => {
    const m = e.data;
    if (m.type === 'open') { self.postMessage({ id: m.id, type: 'result', value: undefined }); return; }
    ${answer}
  };`;
  const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
  const worker = new Worker(url);
  URL.revokeObjectURL(url);
  return worker;
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to fail');
}

describe('git ledger Worker failures', () => {
  it('rejects the calls waiting on a crashed Worker with worker_crashed naming each operation', async () => {
    const ledger = await createWorkerGitLedger({ name: uniq('crash') }, crashingWorker());
    try {
      const [list, write] = await Promise.all([
        rejection(ledger.list({ limit: 5 })),
        rejection(ledger.write({ audits: [makeAudit()] })),
      ]);
      for (const [e, operation] of [
        [list, 'list'],
        [write, 'write'],
      ] as const) {
        expect(e).to.be.instanceOf(WorkerCrashedError);
        const err = e as WorkerCrashedError;
        expect(err.code).to.equal('worker_crashed');
        expect(err.data.operation).to.equal(operation);
        expect(err.data.reason).to.match(/out of memory/);
        expect(err.message).to.match(new RegExp(`while ${operation} was running .*open the ledger again`, 'i'));
      }
    } finally {
      ledger.worker.terminate();
    }
  });

  it('a call after close() is refused with storage_closed instead of waiting forever', async function (this: {
    timeout(ms: number): void;
  }) {
    this.timeout(60_000);
    const name = uniq('closed');
    const ledger = await createWorkerGitLedger({ name });
    await ledger.write({ audits: [makeAudit()] });
    await ledger.close();
    const e = await Promise.race([
      rejection(ledger.list({ limit: 5 })),
      new Promise((r) => setTimeout(() => r('still waiting after 10 s'), 10_000)),
    ]);
    expect(e).to.be.instanceOf(StorageClosedError);
    expect((e as StorageClosedError).data.store).to.equal('ledger');
    await ledger.close(); // a second close is a no-op
    await deleteBrowserGitLedger(name);
  });

  it('fails a call whose answer from the Worker does not parse with a ValidationError naming the field', async () => {
    const ledger = await createWorkerGitLedger(
      { name: uniq('garbled') },
      workerFrom(`self.postMessage({ id: m.id, type: 'error', error: 'disk on fire' });`),
    );
    try {
      const e = await rejection(ledger.head());
      expect(e).to.be.instanceOf(ValidationError);
      const err = e as ValidationError;
      expect(err.data.what).to.equal('ledger worker message');
      expect(err.data.issues[0]!.path).to.equal('error');
      expect(err.message).to.match(/^Invalid ledger worker message: error: /);
    } finally {
      ledger.worker.terminate();
    }
  });
});
