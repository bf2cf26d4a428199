#!/usr/bin/env node
/**
 * `scp-ledger`: record shell and CI runs into the repository's ledger branch, and read it.
 * Exit codes: the command's own for `run`; 0 ok, 1 a failed check or missing entry, 2 usage.
 */
import { isScpError } from '../core/errors/index.js';
import { UsageError } from './args.js';
import { exportCommand, exportHelp, logCommand, logHelp, showCommand, showHelp } from './commands/read.js';
import {
  importOriginCommand,
  importOriginHelp,
  syncCommand,
  syncHelp,
  verifyCommand,
  verifyHelp,
} from './commands/maintain.js';
import { runCommand, runHelp } from './commands/run.js';
import { serveCommand, serveHelp } from './commands/serve.js';
import { processIo, type Io } from './io.js';
import { NotARepoError } from './open-ledger.js';
import { own } from '../core/own.js';

const COMMANDS: Record<string, { run: (argv: string[], io: Io) => Promise<number>; help: string; about: string }> = {
  run: { run: runCommand, help: runHelp, about: 'run a command and record it as a Run' },
  log: { run: logCommand, help: logHelp, about: 'list entries, newest first' },
  show: { run: showCommand, help: showHelp, about: 'print one @run: or @audit: entry' },
  export: { run: exportCommand, help: exportHelp, about: 'stream entries as CSV or JSON Lines' },
  verify: { run: verifyCommand, help: verifyHelp, about: 'check the ledger for tampering, rewrites and rollbacks' },
  sync: { run: syncCommand, help: syncHelp, about: 'fetch, replay and push the ledger branch' },
  'import-origin': {
    run: importOriginCommand,
    help: importOriginHelp,
    about: 'adopt a ledger written by the origin system',
  },
  serve: {
    run: serveCommand,
    help: serveHelp,
    about: 'serve the host API (one machine, or several on PostgreSQL + a git remote)',
  },
};

export const mainHelp = `Usage: scp-ledger [--git-dir <path>] <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(14)} ${c.about}`)
  .join('\n')}

Run "scp-ledger <command> --help" for a command's options. The repository is the one around the
current directory (any linked worktree, or a bare repository), or the one --git-dir names.
`;

export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  // Global options before the command: --git-dir <path> (a bare repository, or one elsewhere).
  while (argv[0]?.startsWith('--git-dir')) {
    const eq = argv[0].indexOf('=');
    const value = eq > 0 ? argv[0].slice(eq + 1) : argv[1];
    if (!value) {
      io.err('scp-ledger: --git-dir needs a path');
      return 2;
    }
    io = { ...io, gitDir: value };
    argv = argv.slice(eq > 0 ? 1 : 2);
  }
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(mainHelp);
    return name ? 0 : 2;
  }
  const command = own(COMMANDS, name);
  if (!command) {
    io.err(`scp-ledger: unknown command "${name}" (see scp-ledger --help)`);
    return 2;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError || e instanceof NotARepoError) {
      io.err(`scp-ledger ${name}: ${e.message}`);
      return 2;
    }
    if (isScpError(e)) {
      io.err(`scp-ledger ${name}: ${e.message} [${e.code}]`);
      return 1;
    }
    io.err(`scp-ledger ${name}: ${(e as Error).message ?? String(e)}`);
    return 1;
  }
}

// Run when executed directly (not when imported by tests).
const invoked = process.argv[1] ?? '';
if (/(?:^|[\\/])(?:main\.(?:ts|js)|scp-ledger)$/.test(invoked)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
