// A separate process working on a ledger, for the cross-process suites. Modes (argv[2]):
//   write <dir> <count>   saves <count> runs one after another, printing "@run:<id>" after each
//                         one that landed (so a kill between the two never claims a lost write);
//                         a failed save prints "error <code> <message>" and ends the process
//   hold <dir>            starts a save and stops for good right after taking the ref lock,
//                         printing "holding" (the test then kills it with SIGKILL)
//   read <dir>            opens the ledger, prints "ready", then for each id read on stdin prints
//                         "ok <id>" or "missing <id>" / "error <id> <code>"; "idle" waits for the
//                         pack handles' idle timer and answers "idle"; stdin closing exits 0
import * as fs from 'node:fs';
import { createInterface } from 'node:readline';
import { ScpError } from '../../../../src/core/errors/index.js';
import { newRunId } from '../../../../src/core/ids.js';
import { createGitLedger } from '../../../../src/core/ledger/git/index.js';
import { makeRun } from '../../../contract/ledger.js';

const [mode, dir, countArg] = process.argv.slice(2);

function run() {
  const rec = makeRun({ type: 'ci' });
  rec.run.run_id = newRunId('ci');
  return rec;
}

if (mode === 'write') {
  const ledger = await createGitLedger({ fs, dir: dir! });
  for (let i = 0; i < Number(countArg); i++) {
    const r = run();
    try {
      await ledger.write({ runs: [r] });
    } catch (e) {
      // Said on stdout so a test can tell a typed refusal from a raw fs error.
      const code = e instanceof ScpError ? e.code : `untyped ${(e as { code?: string }).code ?? ''}`.trim();
      process.stdout.write(`error ${code} ${String((e as Error)?.message ?? e).split('\n')[0]}\n`);
      process.exitCode = 1;
      break;
    }
    process.stdout.write(`@run:${r.run.run_id}\n`);
  }
  await ledger.close?.();
} else if (mode === 'hold') {
  const lock = `${dir}/.git/refs/heads/scp-ledger.lock`;
  const real = fs.promises as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
  const promises = new Proxy(real, {
    get(target, key: string) {
      const v = target[key];
      if (typeof v !== 'function') return v;
      return async (...args: unknown[]) => {
        const out = await v.apply(target, args);
        // The lock is in place once linked (a lock file) or renamed (a lock directory) there.
        if ((key === 'link' || key === 'rename') && args[1] === lock) {
          process.stdout.write('holding\n');
          await new Promise(() => setInterval(() => {}, 1000)); // never lets go
        }
        return out;
      };
    },
  });
  const ledger = await createGitLedger({
    fs: { ...fs, promises: promises as unknown as typeof fs.promises },
    dir: dir!,
  });
  await ledger.write({ runs: [run()] });
} else if (mode === 'read') {
  const ledger = await createGitLedger({ fs, dir: dir! });
  await ledger.head();
  process.stdout.write('ready\n');
  for await (const line of createInterface({ input: process.stdin })) {
    const id = line.trim();
    if (!id) continue;
    if (id === 'idle') {
      await new Promise((r) => setTimeout(r, 1500));
      process.stdout.write('idle\n');
      continue;
    }
    try {
      const got = id.startsWith('run_') ? await ledger.getRun(id) : await ledger.getAudit(id);
      process.stdout.write(`${got ? 'ok' : 'missing'} ${id}\n`);
    } catch (e) {
      process.stdout.write(`error ${id} ${(e as { code?: string }).code ?? (e as Error).message}\n`);
    }
  }
  await ledger.close?.();
}
