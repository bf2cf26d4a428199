import { parseArgs as parseArgv } from 'node:util';
import type * as z from 'zod/mini';
import { ScpError } from '../core/errors/index.js';
import { checkWith } from '../core/schemas/parse.js';

/**
 * Command-line options through `node:util`'s parseArgs (strict): `--name value`, `--name=value`,
 * boolean flags, repeatable value options, `-h` for help, and `--` after which everything is
 * passed on untouched (the command `scp-ledger run` executes).
 */
export interface ParsedArgs {
  flags: Record<string, string | true>;
  positional: string[];
  /** Everything after `--`, untouched. */
  rest: string[];
  /** Every value of each value option, in order (`flags` keeps the last one). */
  all: Record<string, string[]>;
}

/** The command line itself is wrong (an unknown option, a missing value): exit code 2, with a hint. */
export class UsageError extends ScpError<'usage', { option?: string }> {
  readonly exitCode = 2;
  constructor(message: string, o: { data?: { option?: string }; cause?: unknown } = {}) {
    super('usage', message, o);
  }
}

type OptionSpec = { type: 'boolean' | 'string'; multiple?: boolean; short?: string };

export function parseArgs(
  argv: readonly string[],
  spec: { booleans?: readonly string[]; values?: readonly string[] },
): ParsedArgs {
  const options = new Map<string, OptionSpec>([['help', { type: 'boolean', short: 'h' }]]);
  for (const name of spec.booleans ?? [])
    options.set(name, { type: 'boolean', ...(name === 'help' && { short: 'h' }) });
  for (const name of spec.values ?? []) options.set(name, { type: 'string', multiple: true });

  let tokens: NonNullable<ReturnType<typeof parseArgv>['tokens']>;
  try {
    ({ tokens } = parseArgv({
      args: [...argv],
      options: Object.fromEntries(options),
      strict: true,
      allowPositionals: true,
      tokens: true,
    }));
  } catch (e) {
    throw usageFrom(e, argv);
  }

  const flags: Record<string, string | true> = Object.create(null);
  const all: Record<string, string[]> = Object.create(null);
  const positional: string[] = [];
  let rest: string[] = [];
  for (const t of tokens) {
    if (t.kind === 'option-terminator') {
      rest = argv.slice(t.index + 1);
      break;
    }
    if (t.kind === 'positional') {
      positional.push(t.value);
      continue;
    }
    if (t.value === undefined) {
      flags[t.name] = true;
      continue;
    }
    flags[t.name] = t.value;
    all[t.name] = [...(all[t.name] ?? []), t.value];
  }
  return { flags, positional, rest, all };
}

/** parseArgs's errors, said in this CLI's words (with the hint where to look). */
function usageFrom(e: unknown, argv: readonly string[]): unknown {
  const err = e as { code?: string; message?: string };
  if (typeof err?.code !== 'string' || !err.code.startsWith('ERR_PARSE_ARGS_')) return e;
  const named = /'(-{1,2}[^'\s=]+)/.exec(err.message ?? '')?.[1];
  const option = named?.replace(/^-+/, '');
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    return new UsageError(`unknown option ${named ?? argv.find((a) => a.startsWith('-')) ?? ''} (see --help)`, {
      data: { ...(option && { option }) },
      cause: e,
    });
  }
  if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option) {
    const message = err.message ?? '';
    const text = /does not take an argument/.test(message)
      ? `--${option} takes no value`
      : // `--name --other` or `--name -5`: a value that looks like an option must be attached.
        /ambiguous/.test(message)
        ? `--${option} needs a value (write --${option}=<value> for one that starts with "-")`
        : `--${option} needs a value`;
    return new UsageError(text, { data: { option }, cause: e });
  }
  return new UsageError(`${err.message ?? 'invalid arguments'} (see --help)`, { cause: e });
}

export function str(flags: ParsedArgs['flags'], name: string): string | undefined {
  const v = flags[name];
  return typeof v === 'string' ? v : undefined;
}

/**
 * Checks what the command line gave against the schema the SDK itself uses (one validation path),
 * before the command does anything: a failure is a UsageError naming the option (exit code 2).
 * `options` maps the schema's fields to the options they came from.
 */
export function checkOptions<S extends z.ZodMiniType>(
  schema: S,
  value: unknown,
  options: Record<string, string>,
  hint?: string,
): z.infer<S> {
  const r = checkWith(schema, value);
  if (r.ok) return r.data;
  const issue = r.issues[0]!;
  const option = options[issue.path[0] ?? ''] ?? Object.values(options)[0]!;
  throw new UsageError(`--${option}: ${issue.message}${hint ? ` (${hint})` : ''}`, {
    data: { option },
    cause: r.error,
  });
}
