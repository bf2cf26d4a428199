/** The process surface a command uses; tests pass their own. */
export interface Io {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
  out(text: string): void;
  err(text: string): void;
  /** `--git-dir <path>` given before the command: the repository to use instead of the one around cwd. */
  gitDir?: string;
}

export function processIo(): Io {
  return {
    cwd: process.cwd(),
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    out: (t) => {
      process.stdout.write(t.endsWith('\n') ? t : `${t}\n`);
    },
    err: (t) => {
      process.stderr.write(t.endsWith('\n') ? t : `${t}\n`);
    },
  };
}

/**
 * A one-line "working…" note on stderr while a long step runs, only when stdout is a terminal
 * (scripts and pipes get clean output). Returns the step's result.
 */
export async function withProgress<T>(io: Io, label: string, step: () => Promise<T>): Promise<T> {
  if (!io.stdout.isTTY) return step();
  io.stderr.write(`${label}…`);
  try {
    return await step();
  } finally {
    io.stderr.write(`\r${' '.repeat(label.length + 1)}\r`);
  }
}
