// What callers hand the staging API besides scans (those go through prepare.ts), as schemas
// checked with `parseWith`: a bad value is a ValidationError naming each bad field.
import * as z from 'zod/mini';
import type { StageItem } from './types.js';

/** `stageMany(items)`: each item is an object (its scan is checked as `stage` checks one). */
export const StageItemsInput = z.array(
  z.custom<StageItem>((v) => !!v && typeof v === 'object', 'expected { card_key, result, options }'),
  'expected an array of { card_key, result, options }',
);

/** `list(filter)`. */
export const PendingFilterInput = z.optional(
  z.looseObject(
    {
      card_key: z.optional(z.string('a card key (string)')),
      audit_type: z.optional(z.enum(['devops', 'project'], 'one of devops, project')),
    },
    'expected { card_key?, audit_type? }',
  ),
);

/** Optional text: null and '' mean "not given". */
const optionalText = (max: number) => {
  const message = `a string of at most ${max} characters`;
  return z.optional(z.nullable(z.string(message).check(z.maxLength(max, message))));
};

/** `discard(ids, options)`. */
export const DiscardOptionsInput = z.optional(
  z.looseObject(
    {
      actor: z.optional(z.string('a name (string)')),
      reason: optionalText(2000),
      correlation_id: optionalText(200),
    },
    'expected { actor?, reason?, correlation_id? }',
  ),
);
