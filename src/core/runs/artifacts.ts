import * as z from 'zod/mini';
import { parseWith } from '../schemas/parse.js';

/** What a run produced or touched, from the repo-audit design: commit, branch, pr, patch, file, tag. */
export const ARTIFACT_TYPES = ['commit', 'branch', 'pr', 'patch', 'file', 'tag'] as const;
export type ArtifactType = (typeof ARTIFACT_TYPES)[number];

const ARTIFACT_TYPE = `one of ${ARTIFACT_TYPES.join(', ')}`;
const ARTIFACT_VALUE = 'a string of 1 to 500 characters';
const artifactValue = z.string(ARTIFACT_VALUE).check(z.minLength(1, ARTIFACT_VALUE), z.maxLength(500, ARTIFACT_VALUE));

/** `handle.artifact()`'s input: `{ type, value, repo?, summary? }`. */
export const ArtifactInputSchema = z.looseObject(
  { type: z.enum(ARTIFACT_TYPES, ARTIFACT_TYPE), value: artifactValue },
  'expected an artifact { type, value, repo?, summary? }',
);

/** `addArtifact()`'s reference. */
export const ArtifactRefInput = z.looseObject(
  { ref_type: z.enum(ARTIFACT_TYPES, ARTIFACT_TYPE), ref_value: artifactValue },
  'expected an artifact reference { ref_type, ref_value, repo }',
);

export interface ArtifactRef {
  ref_type: ArtifactType;
  ref_value: string;
  /** The repository it belongs to (path or remote URL); '' when not tied to one. */
  repo: string;
  summary?: string;
  metadata?: Record<string, unknown>;
}

const key = (a: Pick<ArtifactRef, 'repo' | 'ref_type' | 'ref_value'>) =>
  `${a.repo}\u0000${a.ref_type}\u0000${a.ref_value}`;

/**
 * Adds `ref` to a run's artifact list, once per (repo, ref_type, ref_value): a second add of the
 * same artifact merges its summary/metadata instead of duplicating it. Returns the new list.
 */
export function addArtifact(list: readonly ArtifactRef[], ref: ArtifactRef): ArtifactRef[] {
  parseWith(ArtifactRefInput, ref, 'artifact');
  const k = key(ref);
  const i = list.findIndex((a) => key(a) === k);
  if (i < 0) return [...list, { ...ref }];
  const merged = { ...list[i]!, ...ref, metadata: { ...list[i]!.metadata, ...ref.metadata } };
  return list.map((a, j) => (j === i ? merged : a));
}
