/**
 * A small argument parser: `--name value`, `--name=value`, boolean flags, and `--` after which
 * everything is positional (the command `scp-ledger run` executes).
 */
export interface ParsedArgs {
  flags: Record<string, string | true>;
  positional: string[];
  /** Everything after `--`, untouched. */
  rest: string[];
  /** Every value of each value option, in order (`flags` keeps the last one). */
  all: Record<string, string[]>;
}

export class UsageError extends Error {
  readonly exitCode = 2;
}

export function parseArgs(argv: readonly string[], spec: { booleans?: readonly string[]; values?: readonly string[] }): ParsedArgs {
  const booleans = new Set(spec.booleans ?? []);
  const values = new Set(spec.values ?? []);
  const flags: Record<string, string | true> = {};
  const all: Record<string, string[]> = {};
  const positional: string[] = [];
  let rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') { rest = argv.slice(i + 1); break; }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      if (booleans.has(name)) {
        if (eq > 0) throw new UsageError(`--${name} takes no value`);
        flags[name] = true;
      } else if (values.has(name)) {
        const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
        if (v === undefined || (eq < 0 && v.startsWith('--'))) throw new UsageError(`--${name} needs a value`);
        flags[name] = v;
        const list = all[name] ?? [];
        list.push(v);
        all[name] = list;
      } else {
        throw new UsageError(`unknown option --${name} (see --help)`);
      }
    } else if (a === '-h') {
      flags.help = true;
    } else {
      positional.push(a);
    }
  }
  return { flags, positional, rest, all };
}

export function str(flags: ParsedArgs['flags'], name: string): string | undefined {
  const v = flags[name];
  return typeof v === 'string' ? v : undefined;
}
