import { parseArgs, str } from '../args.js';
import { withProgress, type Io } from '../io.js';
import { gitConfig, openRepoLedger, repoOptions } from '../open-ledger.js';

export const verifyHelp = `Usage: scp-ledger verify [--full] [--json] [--branch name]

Checks every copy of the ledger branch (local and remote-tracking): every object readable, every
entry's hash and path, append-only history, merges that only join appends. Checks what came after
the last verified head; --full re-checks the whole history. Exit code 0 when it verifies, 1 when
it does not.
`;

export const syncHelp = `Usage: scp-ledger sync [remote] [--branch name]

Fetches the ledger branch from a git remote (a name like origin, or a URL), replays local entries
on top when both sides moved, and pushes. Never force-pushes; never drops an entry.
`;

export const importOriginHelp = `Usage: scp-ledger import-origin [--branch name] [--json]

Adopts a ledger written by the origin system (flat audits/<id>.json and ledger/runs/<id>/ on the
ledger branch, scp/run/* and scp/audit/* tags): lists what it found; new entries are appended to
the same branch in its layout.
`;

export async function verifyCommand(argv: string[], io: Io): Promise<number> {
  const { flags } = parseArgs(argv, { booleans: ['help', 'json', 'full'], values: ['branch'] });
  if (flags.help) {
    io.out(verifyHelp);
    return 0;
  }
  const { ledger } = await openRepoLedger(io.cwd, str(flags, 'branch'), undefined, repoOptions(io));
  const report = await withProgress(io, 'verifying the ledger', () => ledger.verify!({ full: flags.full === true }));
  const notes = (report.notes ?? []).map((n) => `\n  note: ${n.message}`).join('');
  if (flags.json) io.out(JSON.stringify(report, null, 2));
  else if (report.ok) {
    const what = report.incremental ? 'new since the last verify' : 'checked';
    io.out(
      `ledger ok: ${report.checked.commits} commits, ${report.checked.entries} entries ${what}${report.head ? ` (head ${report.head.slice(0, 12)})` : ''}${report.shallow?.length ? `\n  ${report.message}` : ''}${notes}${report.checkpoint ? `\ncheckpoint: ${report.checkpoint}` : ''}`,
    );
  } else
    io.out(
      `ledger NOT ok (${report.reason}): ${report.message ?? ''}${report.commit ? `\n  commit ${report.commit}` : ''}${report.entry ? `\n  entry  ${report.entry}` : ''}${notes}`,
    );
  return report.ok ? 0 : 1;
}

export async function syncCommand(argv: string[], io: Io): Promise<number> {
  const { flags, positional } = parseArgs(argv, { booleans: ['help', 'json'], values: ['branch'] });
  if (flags.help) {
    io.out(syncHelp);
    return 0;
  }
  const remote = positional[0] ?? 'origin';
  const { root, gitdir } = await openRepoLedger(io.cwd, str(flags, 'branch'), undefined, repoOptions(io));
  const url = /^[a-z]+:\/\//i.test(remote) ? remote : await gitConfig(root, `remote.${remote}.url`, gitdir);
  if (!url) {
    io.err(`scp-ledger: no remote "${remote}": pass a URL or add it with git remote add`);
    return 2;
  }
  const { ledger } = await openRepoLedger(io.cwd, str(flags, 'branch'), url, repoOptions(io));
  const r = await withProgress(io, `syncing with ${remote}`, () => ledger.sync!({ remote: url }));
  io.out(
    flags.json
      ? JSON.stringify(r)
      : `synced with ${remote}: fetched ${r.fetched}, pushed ${r.pushed}, head ${r.head.slice(0, 12)}`,
  );
  return 0;
}

export async function importOriginCommand(argv: string[], io: Io): Promise<number> {
  const { flags } = parseArgs(argv, { booleans: ['help', 'json'], values: ['branch'] });
  if (flags.help) {
    io.out(importOriginHelp);
    return 0;
  }
  const { ledger } = await openRepoLedger(io.cwd, str(flags, 'branch') ?? 'scp-ledger', undefined, repoOptions(io));
  let audits = 0;
  let runs = 0;
  let cursor: string | undefined;
  await withProgress(io, 'reading the ledger', async () => {
    do {
      const page = await ledger.list({ limit: 500, ...(cursor && { cursor }) });
      for (const e of page.entries)
        if (e.kind === 'audit') audits++;
        else runs++;
      cursor = page.cursor;
    } while (cursor);
  });
  const report = await withProgress(io, 'verifying the ledger', () => ledger.verify!());
  const result = { audits, runs, verified: report.ok, ...(report.ok ? {} : { reason: report.reason }) };
  io.out(
    flags.json
      ? JSON.stringify(result)
      : `adopted the ledger: ${audits} audits, ${runs} runs; verify ${report.ok ? 'ok' : `NOT ok (${report.reason})`}`,
  );
  return report.ok ? 0 : 1;
}
