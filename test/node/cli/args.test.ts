import assert from 'node:assert/strict';
import { parseArgs, UsageError } from '../../../src/cli/args.js';
import { ScpError } from '../../../src/core/errors/index.js';
import { main } from '../../../src/cli/main.js';

const SPEC = { booleans: ['help', 'json'], values: ['card', 'branch'] } as const;

function usage(argv: string[]): UsageError {
  try {
    parseArgs(argv, SPEC);
  } catch (e) {
    assert.ok(e instanceof UsageError, `a UsageError, not ${String(e)}`);
    return e;
  }
  assert.fail(`${JSON.stringify(argv)} was accepted`);
}

describe('CLI arguments (node:util parseArgs, strict)', () => {
  it('refuses an unknown option, long or short, with a typed usage error that names it and points at --help', () => {
    for (const [argv, option] of [
      [['--bogus'], 'bogus'],
      [['-x'], 'x'],
      [['log', '--card', 'a', '--nope=1'], 'nope'],
    ] as const) {
      const e = usage([...argv]);
      assert.ok(e instanceof ScpError);
      assert.equal(e.code, 'usage');
      assert.equal(e.exitCode, 2);
      assert.equal(e.data.option, option);
      assert.match(e.message, /see --help/);
    }
  });

  it('says which option lacks a value or takes none', () => {
    assert.equal(usage(['--card']).data.option, 'card');
    assert.equal(usage(['--card', '--json']).data.option, 'card');
    assert.match(
      usage(['--card', '-5']).message,
      /--card=<value>/,
      'the hint says how to pass a value starting with "-"',
    );
    assert.match(usage(['--json=yes']).message, /--json takes no value/);
  });

  it('keeps every value of a repeated option in order, the last one as the flag', () => {
    const r = parseArgs(['--card', 'a', 'pos', '--card=b', '--json'], SPEC);
    assert.deepEqual(r.all.card, ['a', 'b']);
    assert.equal(r.flags.card, 'b');
    assert.equal(r.flags.json, true);
    assert.deepEqual(r.positional, ['pos']);
  });

  it('passes everything after -- through untouched, options included', () => {
    const r = parseArgs(['--json', '--', 'make', '--bogus', '-j4', '--', 'x'], SPEC);
    assert.deepEqual(r.rest, ['make', '--bogus', '-j4', '--', 'x']);
    assert.deepEqual(r.positional, []);
    assert.equal(r.flags.json, true);
  });

  it('reads -h as --help', () => {
    assert.equal(parseArgs(['-h'], SPEC).flags.help, true);
  });

  it('exits 2 from main with the command named and the message on stderr', async () => {
    const err: string[] = [];
    const code = await main(['log', '--bogus'], {
      out: () => {},
      err: (s: string) => {
        err.push(s);
      },
    } as never);
    assert.equal(code, 2);
    assert.match(err.join('\n'), /scp-ledger log: unknown option --bogus \(see --help\)/);
  });
});
