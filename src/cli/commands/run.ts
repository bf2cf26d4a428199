import { spawn } from 'node:child_process';
import { resolve as resolvePath } from 'node:path';
import { newRunId } from '../../core/ids.js';
import { createRedactor } from '../../core/redact/redactor.js';
import type { Run, RunEvent } from '../../core/schemas/run.js';
import { addArtifact, ArtifactRefInput, type ArtifactRef } from '../../core/runs/artifacts.js';
import { RunSpecInput } from '../../core/runs/input.js';
import { captureRepoChanges, readRepoState, type RepoChanges, type RepoState } from '../../node/repo-changes.js';
import { checkOptions, parseArgs, str, UsageError, type ParsedArgs } from '../args.js';
import { gitConfig, openRepoLedger, repoOptions } from '../open-ledger.js';
import type { Io } from '../io.js';

export const runHelp = `Usage: scp-ledger run [options] -- <command> [args...]

Runs <command> with its input and output passed through and its exit code returned unchanged,
and records it as a Run in this repository's ledger branch. Prints the @run:<id> reference.

Options:
  --type <type>         run type (default: ci); e.g. build, deploy, test
  --subtype <subtype>   <type>:<detail>, e.g. build:docker (default: <type>:<command name>)
  --target <target>     what the command acts on (service, cluster, ...)
  --reason <text>       why it is being run
  --actor <name>        who runs it (default: git config user.name)
  --artifact <t:value>  an artifact reference (commit, branch, pr, patch, file, tag), e.g. pr:42
  --repo <path>         a repository the command works in (repeatable): its changes and new
                        commits are recorded for each (default: this repository)
  --no-repo-changes     do not record the working tree changes
  --json                print the recorded run as JSON on stderr's behalf (stdout stays the command's)
  --branch <name>       ledger branch (default: scp-ledger)
`;

/** The last `cap` bytes of a stream, with the count of everything seen. */
class Tail {
  private chunks: Buffer[] = [];
  private kept = 0;
  total = 0;
  constructor(private readonly cap: number) {}
  push(b: Buffer) {
    this.total += b.length;
    this.chunks.push(b);
    this.kept += b.length;
    while (this.kept - (this.chunks[0]?.length ?? 0) >= this.cap) this.kept -= this.chunks.shift()!.length;
  }
  text(): string {
    const all = Buffer.concat(this.chunks);
    const cut = all.subarray(Math.max(0, all.length - this.cap)).toString('utf8');
    return this.total > this.cap ? `... (truncated, total ${this.total} bytes)\n${cut}` : cut;
  }
}

/** Output tails kept in the run's events. */
export const OUTPUT_TAIL_CAP = 4 * 1024;

type Event = (e: { type: string; status?: string; detail?: Record<string, unknown> }) => void;
type Outcome = { code: number | null; signal: NodeJS.Signals | null; spawnError?: Error; cancelledBy?: NodeJS.Signals };

/**
 * The run's own options, checked with the runs schemas before the command starts: a bad --type or
 * --artifact found after the command ran would cost the run's record.
 */
function runOptions(flags: ParsedArgs['flags'], command: string[]) {
  const type = str(flags, 'type') ?? 'ci';
  const subtype = str(flags, 'subtype');
  checkOptions(RunSpecInput, { type, ...(subtype !== undefined && { subtype }) }, { type: 'type', subtype: 'subtype' });
  const art = str(flags, 'artifact');
  let artifact: Pick<ArtifactRef, 'ref_type' | 'ref_value'> | undefined;
  if (art !== undefined) {
    const [t, ...v] = art.split(':');
    artifact = checkOptions(
      ArtifactRefInput,
      { ref_type: t, ref_value: v.join(':') },
      { ref_type: 'artifact', ref_value: 'artifact' },
      'write <type>:<value>, e.g. pr:42',
    );
  }
  return { type, subtype: subtype ?? `${type}:${command[0]!.split('/').pop()}`, artifact };
}

/** Each repository's state before the command (several with --repo; by default this one). */
async function statesBefore(paths: string[]): Promise<RepoState[]> {
  const befores: RepoState[] = [];
  for (const path of paths) {
    try {
      befores.push(await readRepoState(path));
    } catch (e) {
      throw new UsageError(`--repo ${path} is not a git working tree (${(e as Error).message.split('\n')[0]})`);
    }
  }
  return befores;
}

/** Runs the command with stdin inherited and its output passed through (and kept in the tails). */
function runPassthrough(command: string[], io: Io, out: Tail, err: Tail): Promise<Outcome> {
  return new Promise((resolve) => {
    let cancelledBy: NodeJS.Signals | undefined;
    const child = spawn(command[0]!, command.slice(1), {
      cwd: io.cwd,
      env: io.env,
      stdio: ['inherit', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (b: Buffer) => {
      out.push(b);
      io.stdout.write(b);
    });
    child.stderr.on('data', (b: Buffer) => {
      err.push(b);
      io.stderr.write(b);
    });
    const forward = (sig: NodeJS.Signals) => {
      cancelledBy = sig;
      child.kill(sig);
    };
    const onInt = () => forward('SIGINT');
    const onTerm = () => forward('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    const done = (r: Outcome) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve({ ...r, ...(cancelledBy && { cancelledBy }) });
    };
    child.on('error', (e) => done({ code: null, signal: null, spawnError: e }));
    child.on('close', (code, signal) => done({ code, signal }));
  });
}

// Shell conventions: 127 command not found, 128+n killed by signal n.
const SIGNALS: Record<string, number> = { SIGINT: 2, SIGTERM: 15, SIGKILL: 9, SIGHUP: 1, SIGQUIT: 3 };
function exitCodeOf(outcome: Outcome): number {
  if (outcome.spawnError) return (outcome.spawnError as NodeJS.ErrnoException).code === 'ENOENT' ? 127 : 126;
  return outcome.code ?? 128 + (SIGNALS[outcome.signal ?? ''] ?? 1);
}

/** Each repository's changes as an event, its new commits and branch as artifacts. */
async function recordChanges(befores: RepoState[], event: Event, artifacts: ArtifactRef[]) {
  let changes: RepoChanges | undefined;
  const repos: string[] = [];
  const totals = { files: 0, added: 0, deleted: 0 };
  for (const b of befores) {
    const c = await captureRepoChanges(b);
    changes ??= c;
    repos.push(b.root);
    totals.files += c.files_changed.length;
    totals.added += c.lines_added;
    totals.deleted += c.lines_deleted;
    event({ type: 'repo_changes', status: 'ok', detail: { ...c } });
    for (const x of c.commits)
      artifacts = addArtifact(artifacts, { ref_type: 'commit', ref_value: x.sha, repo: b.root, summary: x.subject });
    if (c.branch && c.commits.length)
      artifacts = addArtifact(artifacts, { ref_type: 'branch', ref_value: c.branch, repo: b.root });
  }
  return { changes, repos, totals, artifacts };
}

/** The Run as the ledger keeps it, from what the command did (free text redacted). */
function runRecord(
  r: {
    runId: string;
    type: string;
    subtype: string;
    actor: string;
    command: string;
    started: Date;
    ended: Date;
    outcome: Outcome;
    exitCode: number;
    err: Tail;
  },
  env: NodeJS.ProcessEnv,
  x: Awaited<ReturnType<typeof recordChanges>> & {
    before: RepoState | undefined;
    target: string | undefined;
    reason: string | undefined;
    redact: (text: string) => string;
  },
): Run {
  const { exitCode, outcome, err } = r;
  const { cancelledBy } = outcome;
  const { changes, totals, repos, artifacts } = x;
  const status: Run['status'] = cancelledBy ? 'cancelled' : exitCode === 0 ? 'ok' : 'failed';
  return {
    run_id: r.runId,
    type: r.type,
    subtype: r.subtype,
    status,
    user: r.actor,
    code_ref: x.before?.head ?? changes?.head_before ?? '',
    started_at: r.started.toISOString(),
    ended_at: r.ended.toISOString(),
    duration_ms: r.ended.getTime() - r.started.getTime(),
    environment: env.CI ? 'ci' : 'shell',
    modules_affected: [],
    summary: x.redact(`${r.command} → ${status === 'cancelled' ? `cancelled (${cancelledBy})` : `exit ${exitCode}`}`),
    metadata: {
      exit_code: exitCode,
      ...(outcome.signal && { signal: outcome.signal }),
      ...(changes && { files_changed: totals.files, lines_added: totals.added, lines_deleted: totals.deleted }),
    },
    ...(repos.length && { repos }),
    ...(x.target && { target: x.target }),
    ...(x.reason && { reason: x.redact(x.reason) }),
    ...(status === 'failed' && {
      error: err.total
        ? x.redact(err.text().split('\n').filter(Boolean).pop() ?? '').slice(0, 500)
        : `exit ${exitCode}`,
    }),
    ...(artifacts.length && { artifacts }),
  };
}

export async function runCommand(argv: string[], io: Io): Promise<number> {
  const { flags, rest, all } = parseArgs(argv, {
    booleans: ['help', 'json', 'no-repo-changes'],
    values: ['type', 'subtype', 'target', 'reason', 'actor', 'artifact', 'branch', 'repo'],
  });
  if (flags.help) {
    io.out(runHelp);
    return 0;
  }
  if (rest.length === 0)
    throw new UsageError('nothing to run: put the command after --, e.g. scp-ledger run -- npm test');
  const { type, subtype, artifact } = runOptions(flags, rest);

  const { ledger, root, gitdir, bare } = await openRepoLedger(io.cwd, str(flags, 'branch'), undefined, repoOptions(io));
  const redactor = createRedactor();
  const command = rest.join(' ');
  const actor = str(flags, 'actor') ?? ((await gitConfig(root, 'user.name', gitdir)) || io.env.USER || 'unknown');
  // A bare repository has no working tree whose changes could be recorded.
  const captureRepo = !flags['no-repo-changes'] && !bare;
  const repoPaths = all.repo?.length ? all.repo.map((r) => resolvePath(io.cwd, r)) : bare ? [] : [root];
  const befores = captureRepo || all.repo?.length ? await statesBefore(repoPaths) : [];
  const before: RepoState | undefined = befores[0];
  const runId = newRunId(type);
  const started = new Date();
  const events: RunEvent[] = [];
  const event: Event = (e) => {
    events.push({ ...e, seq: events.length + 1, ts: new Date().toISOString() });
  };
  event({ type: 'command', status: 'ok', detail: { command: redactor.redact(command).value, cwd: io.cwd } });

  const out = new Tail(OUTPUT_TAIL_CAP);
  const err = new Tail(OUTPUT_TAIL_CAP);
  const outcome = await runPassthrough(rest, io, out, err);
  const ended = new Date();
  const exitCode = exitCodeOf(outcome);
  if (outcome.spawnError)
    io.err(
      `scp-ledger: cannot run "${rest[0]}": ${(outcome.spawnError as NodeJS.ErrnoException).code === 'ENOENT' ? 'command not found' : outcome.spawnError.message}`,
    );
  if (out.total)
    event({ type: 'stdout', status: 'ok', detail: { tail: redactor.redact(out.text()).value, bytes: out.total } });
  if (err.total)
    event({
      type: 'stderr',
      status: exitCode === 0 ? 'ok' : 'failed',
      detail: { tail: redactor.redact(err.text()).value, bytes: err.total },
    });

  const recorded = await recordChanges(befores, event, []);
  const { changes, repos, totals } = recorded;
  let { artifacts } = recorded;
  if (artifact) artifacts = addArtifact(artifacts, { ...artifact, repo: root });

  const run = runRecord({ runId, type, subtype, actor, command, started, ended, outcome, exitCode, err }, io.env, {
    before,
    ...recorded,
    artifacts,
    target: str(flags, 'target'),
    reason: str(flags, 'reason'),
    redact: (t) => redactor.redact(t).value,
  });
  const { status } = run;
  await ledger.write({ runs: [{ run, events }], actor });
  // The run has landed: nothing after this point may report it as failed.
  await ledger.close?.().catch(() => undefined);
  const ref = `@run:${runId}`;
  if (flags.json) io.err(JSON.stringify({ ref, run }, null, 2));
  else
    io.err(
      `scp-ledger: recorded ${ref} (${status}${changes ? `, ${totals.files} files changed${repos.length > 1 ? ` in ${repos.length} repositories` : ''}` : ''})`,
    );
  return exitCode;
}
