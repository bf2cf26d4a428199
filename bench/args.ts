/** `--name N` from a benchmark's command line, as a number (undefined when absent). */
export function numberArg(name: string): number | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : undefined;
}
