import { ValidationError } from '../errors/index.js';

/** What a run produced or touched, from the repo-audit design: commit, branch, pr, patch, file, tag. */
export const ARTIFACT_TYPES = ['commit', 'branch', 'pr', 'patch', 'file', 'tag'] as const;
export type ArtifactType = (typeof ARTIFACT_TYPES)[number];

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
  if (!(ARTIFACT_TYPES as readonly string[]).includes(ref.ref_type)) {
    throw new ValidationError(`Unknown artifact type "${ref.ref_type}": use one of ${ARTIFACT_TYPES.join(', ')}`, {
      data: { what: 'artifact', issues: [{ path: 'ref_type', message: 'unknown type' }] },
    });
  }
  if (!ref.ref_value || typeof ref.ref_value !== 'string' || ref.ref_value.length > 500) {
    throw new ValidationError('An artifact needs a ref_value of 1 to 500 characters', {
      data: { what: 'artifact', issues: [{ path: 'ref_value', message: 'empty or too long' }] },
    });
  }
  const k = key(ref);
  const i = list.findIndex((a) => key(a) === k);
  if (i < 0) return [...list, { ...ref }];
  const merged = { ...list[i]!, ...ref, metadata: { ...list[i]!.metadata, ...ref.metadata } };
  return list.map((a, j) => (j === i ? merged : a));
}
