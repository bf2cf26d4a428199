import { EmptySelectionError, InvalidIdError, ValidationError } from './errors/index.js';
import { idProblem } from './ids.js';

/** Which pending audits a save or discard acts on: listed ids, or the explicit word `all`. */
export type Selection = string[] | 'all';

/** Why a selection was refused: `path` is '' for the whole value, else the index of the bad id. */
export interface SelectionProblem {
  code: 'empty_selection' | 'validation' | 'invalid_id';
  path: string;
  message: string;
}

/**
 * The one rule for "ids or all", wherever a selection arrives (the staging API, the HTTP client,
 * a request body): a non-empty list of valid ids (duplicates dropped, at most `max`) or exactly
 * `'all'`; never "everything" by default. Returns the selection or the first problem, so each
 * caller reports it in its own terms (a typed error, or a 400 naming the field).
 */
export function checkSelection(
  ids: unknown,
  action: string,
  max = Number.POSITIVE_INFINITY,
): { selection: Selection } | { problem: SelectionProblem } {
  if (ids === 'all') return { selection: 'all' };
  if (ids === undefined || ids === null || (Array.isArray(ids) && ids.length === 0)) {
    return { problem: { code: 'empty_selection', path: '', message: `nothing to ${action}: no ids were given` } };
  }
  if (!Array.isArray(ids)) {
    const shown = typeof ids === 'string' ? `the string ${JSON.stringify(ids.slice(0, 60))}` : `a ${typeof ids}`;
    return {
      problem: { code: 'validation', path: '', message: `expected a list of ids or the string "all", got ${shown}` },
    };
  }
  if (ids.length > max) return { problem: { code: 'validation', path: '', message: `at most ${max} ids at a time` } };
  for (const [i, id] of ids.entries()) {
    const problem = idProblem(id);
    if (problem) return { problem: { code: 'invalid_id', path: String(i), message: problem } };
  }
  return { selection: [...new Set(ids as string[])] };
}

/** `checkSelection`, with a refusal thrown as the typed error of its code. */
export function selectionOrThrow(ids: unknown, action: string): Selection {
  const r = checkSelection(ids, action);
  if ('selection' in r) return r.selection;
  const { code, path, message } = r.problem;
  const hint = `Pass a non-empty array of audit ids, or the word 'all' to ${action} every pending audit.`;
  if (code === 'empty_selection')
    throw new EmptySelectionError(`Nothing to ${action}: no audit ids were given. ${hint}`, { data: { action } });
  if (code === 'invalid_id') {
    const id = (ids as unknown[])[Number(path)];
    const shown = typeof id === 'string' ? JSON.stringify(id.length > 60 ? `${id.slice(0, 60)}…` : id) : String(id);
    throw new InvalidIdError(`Invalid audit id ${shown} at position ${path}: ${message}. ${hint}`, {
      data: { id: String(id), reason: message },
    });
  }
  const single = typeof ids === 'string' ? ' Wrap a single id in an array.' : '';
  throw new ValidationError(`Cannot ${action}: ${message}. ${hint}${single}`, {
    data: { what: `${action} selection`, issues: [{ path: '(root)', message }] },
  });
}
