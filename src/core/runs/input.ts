// What callers hand the runs API (specs, events, outcomes; artifacts are in artifacts.ts) as
// schemas, checked with `parseWith`: a bad value is a ValidationError naming each bad field. The
// schemas only check; the runs code builds the record from the caller's own object (a spec's
// AbortSignal and preset id are not plain data).
import * as z from 'zod/mini';

const filled = (message: string) => z.refine<string>((s) => s.trim().length > 0, message);
const text = (max: number, message: string) => z.string(message).check(z.maxLength(max, message));

const TYPE_REQUIRED = 'a non-empty string is required (e.g. "deploy")';

/** `runs.start()` / `track()` / `wrap()` specs. */
export const RunSpecInput = z.looseObject(
  {
    type: z.string(TYPE_REQUIRED).check(filled(TYPE_REQUIRED), z.maxLength(100, 'at most 100 characters')),
    subtype: z.optional(text(200, 'a string of at most 200 characters')),
    modules_affected: z.optional(z.array(z.string('a list of strings'), 'a list of strings')),
  },
  'expected a run spec object',
);

/** `handle.event()`: the event's own fields (seq and ts are assigned). */
export const RunEventInput = z.looseObject(
  { type: z.string('a non-empty string is required').check(filled('a non-empty string is required')) },
  'expected an event object { type, ... }',
);

const FINISHED = ['ok', 'failed', 'partial', 'cancelled'] as const;

/** `handle.finish()`: every field may be left out (the result decides). */
export const RunOutcomeInput = z.optional(
  z.looseObject(
    {
      status: z.optional(z.enum(FINISHED, `one of ${FINISHED.join(', ')} (or leave it out)`)),
      summary: z.optional(z.string('a string')),
    },
    'expected an outcome object { status?, summary?, result?, error? }',
  ),
);
