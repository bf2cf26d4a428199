// What the host answers, checked on arrival: each response body's schema.
import * as z from 'zod/mini';
import { ActionEntry } from '../../schemas/action.js';
import { AuditMeta } from '../../schemas/audit.js';
import { EntryMeta } from '../../schemas/ledger.js';
import { Suggestion, SuggestionSection } from '../../schemas/ref.js';
import { Run, RunEvent } from '../../schemas/run.js';
import { OriginEnvelope } from '../envelope.js';

export const HistoryResponse = z.object({ events: z.array(OriginEnvelope), cursor: z.optional(z.string()) });

export const PendingList = z.object({ pending: z.array(AuditMeta) });
export const SaveResponse = z.looseObject({
  saved: z.array(z.string()),
  count: z.optional(z.number()),
  commit: z.optional(z.string()),
});
export const DiscardResponse = z.looseObject({
  discarded: z.union([z.number(), z.array(z.string())]),
  ids: z.optional(z.array(z.string())),
});
export const StageResultSchema = z.union([
  z.object({ staged: z.literal(true), snapshot: AuditMeta, replaced: z.array(z.string()) }),
  z.object({ staged: z.literal(false), reason: z.enum(['unchanged', 'not_ok']), card_key: z.string() }),
]);
export const StageManyResponse = z.object({ results: z.array(StageResultSchema) });
export const WriteResponse = z.object({ commit: z.string(), ids: z.array(z.string()) });
export const DeleteResponse = z.looseObject({
  deleted: z.string(),
  commit: z.optional(z.string()),
});
export const HeadResponse = z.object({ head: z.nullable(z.string()) });
export const EntriesResponse = z.object({ entries: z.array(EntryMeta), cursor: z.optional(z.nullable(z.string())) });
export const RecentRuns = z.object({ runs: z.array(Run), cursor: z.optional(z.nullable(z.string())) });
export const RunResponse = z.object({ run: Run });
export const EventResponse = z.object({ event: RunEvent });
export const ArtifactsResponse = z.object({
  artifacts: z.array(z.looseObject({ ref_type: z.string(), ref_value: z.string(), repo: z.string() })),
});
export const ActionResponse = ActionEntry;
/**
 * The origin answers kinds as bare strings (`"@run:"`), items as objects; its run items carry a
 * status but no section.
 */
const WireSuggestion = z.extend(Suggestion, { section: z.optional(SuggestionSection) });
export const SuggestionsResponse = z.object({ suggestions: z.array(z.union([z.string(), WireSuggestion])) });
