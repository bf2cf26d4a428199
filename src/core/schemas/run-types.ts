// Plain data (no zod) so code that only needs the list, such as the audit log's filter, stays small.

/** The origin's 15 run types; hosts may use others (kept as plain strings on read). */
export const RUN_TYPES = [
  'install',
  'build',
  'deploy',
  'destroy',
  'setup',
  'plan',
  'validate',
  'format',
  'test',
  'scan',
  'generate',
  'backup',
  'restore',
  'git',
  'ci',
] as const;
