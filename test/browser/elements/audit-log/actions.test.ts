// Discards and deletes are ledger entries: on the embedded git ledger (a Worker over IndexedDB)
// they show in <scp-audit-log> with who and why, in another tab at once, and on another machine
// after a sync through a real git http-backend.
import { expect } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import { createScp, type ScpClient } from '../../../../src/core/client.js';
import { deleteBrowserGitLedger } from '../../../../src/core/ledger/git-browser/browser-ledger.js';
import { createWorkerGitLedger } from '../../../../src/core/ledger/git-browser/worker-ledger.js';
import type { BusEventMap } from '../../../../src/core/schemas/events.js';
import { createMemoryStagingStore } from '../../../../src/core/storage/memory.js';
import type { ScpAuditLog } from '../../../../src/elements/audit-log/audit-log.js';
import '../../../../src/elements/audit-log/scp-audit-log.js';
import { until } from '../../../helpers/until.js';
import { newRepo } from '../../ledger-git/git-endpoints.js';

const NODE_SIDE = 'test/browser/ledger-git/node-clone.ts';
const nodeCall = <T>(fn: string, ...args: unknown[]) =>
  executeServerCommand<T, unknown>('scp-node-call', { module: NODE_SIDE, fn, args });

const clients: ScpClient[] = [];
const names: string[] = [];
const mounted: HTMLElement[] = [];

function gitClient(name: string, url: string, channel: string | false, actor: string): ScpClient {
  const c = createScp({
    channel,
    actor,
    staging: createMemoryStagingStore(),
    policy: 'all',
    skipUnchanged: false,
    ledger: () => createWorkerGitLedger({ name, remote: { url } }),
  });
  clients.push(c);
  if (!names.includes(name)) names.push(name);
  return c;
}

async function log(c: ScpClient): Promise<ScpAuditLog> {
  const el = document.createElement('scp-audit-log') as ScpAuditLog;
  document.body.append(el);
  mounted.push(el);
  el.client = c;
  await el.settled();
  return el;
}

const row = (el: ScpAuditLog, id: string) => el.shadowRoot!.querySelector<HTMLTableRowElement>(`tr[data-id="${id}"]`);
const cells = (el: ScpAuditLog, id: string) =>
  [...row(el, id)!.querySelectorAll('td')].map((td) => td.textContent!.trim().replace(/\s+/g, ' '));

afterEach(async () => {
  for (const el of mounted.splice(0)) el.remove();
  for (const c of clients.splice(0)) await c.close().catch(() => undefined);
  for (const n of names.splice(0)) await deleteBrowserGitLedger(n).catch(() => undefined);
});

describe('discards and deletes in the audit log (embedded git ledger)', () => {
  it('records them with actor and reason, shows them in another tab at once and on another machine after sync', async function (this: {
    timeout(ms: number): void;
  }) {
    this.timeout(120_000);
    const { name: repo, url } = await newRepo('actions');
    const ledgerName = `actions-${crypto.randomUUID()}`;
    const channel = `scp-actions-${crypto.randomUUID()}`;
    const tabA = gitClient(ledgerName, url, channel, 'ana');
    const tabB = gitClient(ledgerName, url, channel, 'ben');
    const logB = await log(tabB);

    const discardedEvents: BusEventMap['audit:discarded'][] = [];
    const deletedEvents: BusEventMap['audit:deleted'][] = [];
    tabB.bus.on('audit:discarded', (p) => discardedEvents.push(p));
    tabB.bus.on('audit:deleted', (p) => deletedEvents.push(p));

    const keep = await tabA.staging.stage('security', { score: 78 });
    const drop = await tabA.staging.stage('k8s', { token_like: 'abc', pods: 3 });
    if (!keep.staged || !drop.staged) throw new Error('not staged');
    await tabA.staging.save([keep.snapshot.snapshot_id]);
    const discard = await tabA.staging.discard([drop.snapshot.snapshot_id], {
      reason: 'stale: cluster was mid-upgrade',
    });
    const del = await tabA.ledger.deleteAudit(keep.snapshot.snapshot_id, {
      actor: 'ana',
      reason: 'scanned the wrong account',
    });

    // Tab B: the events arrived and both entries are rows with who and why.
    await until(
      () => discardedEvents.length === 1 && deletedEvents.length === 1,
      'the events in the other tab',
      20_000,
    );
    expect(discardedEvents[0]).to.include({
      snapshot_id: drop.snapshot.snapshot_id,
      actor: 'ana',
      reason: 'stale: cluster was mid-upgrade',
      action_id: discard.action_id,
    });
    expect(deletedEvents[0]).to.include({
      snapshot_id: keep.snapshot.snapshot_id,
      actor: 'ana',
      reason: 'scanned the wrong account',
      action_id: del.action_id,
    });
    await until(
      () => row(logB, discard.action_id!) !== null && row(logB, del.action_id!) !== null,
      "both entries in the other tab's log",
      20_000,
    );
    expect(row(logB, keep.snapshot.snapshot_id)).to.equal(null); // the deleted audit left the log
    const d = cells(logB, discard.action_id!);
    expect(d[1]).to.equal('ana');
    expect(d[2]).to.equal('destroy Audits discarded');
    expect(d[3]).to.equal(drop.snapshot.snapshot_id);
    expect(d[4]).to.contain('Reason: stale: cluster was mid-upgrade');
    const x = cells(logB, del.action_id!);
    expect(x.slice(1, 4)).to.deep.equal(['ana', 'destroy Audit deleted', keep.snapshot.snapshot_id]);
    expect(x[4]).to.contain('Reason: scanned the wrong account');
    expect(row(logB, del.action_id!)!.dataset['actionKind']).to.equal('destroy');
    // The discarded scan's data is gone: the record keeps its id, card and hash only.
    const record = (await tabB.ledger.getAction!(discard.action_id!))!;
    expect(record.targets).to.deep.equal([
      { id: drop.snapshot.snapshot_id, card_key: 'k8s', content_hash: drop.snapshot.content_hash },
    ]);
    expect(JSON.stringify(record)).to.not.contain('pods');

    // Another machine: its own ledger (another IndexedDB), the same remote.
    await tabA.ledger.sync!();
    const machine = gitClient(`actions-other-${crypto.randomUUID()}`, url, false, 'cy');
    await machine.ledger.sync!();
    const logC = await log(machine);
    await until(
      () => row(logC, discard.action_id!) !== null && row(logC, del.action_id!) !== null,
      'both entries on the other machine',
      20_000,
    );
    expect(cells(logC, discard.action_id!).slice(1, 4)).to.deep.equal([
      'ana',
      'destroy Audits discarded',
      drop.snapshot.snapshot_id,
    ]);
    expect(cells(logC, del.action_id!)[4]).to.contain('Reason: scanned the wrong account');
    const csv = await logC.exportText('csv');
    expect(csv).to.contain(`${del.action_id},ana,audit:deleted,${keep.snapshot.snapshot_id}`);
    expect(csv).to.contain('scanned the wrong account');
    const report = await machine.ledger.verify!();
    expect(report.ok, report.message).to.equal(true);

    // Native git on the remote: the action files are there and the repository is sound.
    const remote = await nodeCall<{ ids: string[]; fsck: string }>('inspectRemote', repo, 'scp-ledger');
    expect(remote.ids).to.include.members([discard.action_id!, del.action_id!]);
    expect(remote.ids).to.not.include(keep.snapshot.snapshot_id);
    expect(remote.fsck).to.equal('ok');
  });
});
