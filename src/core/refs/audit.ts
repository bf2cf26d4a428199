import { NotFoundError } from '../errors/index.js';
import { assertValidId } from '../ids.js';
import type { Ledger } from '../ledger/types.js';
import type { AuditMeta } from '../schemas/audit.js';
import type { EntryMeta } from '../schemas/ledger.js';
import type { Preview, Suggestion } from '../schemas/ref.js';
import type { Staging } from '../staging/types.js';
import { relativeTime } from './relative-time.js';
import type { RefResolver } from './types.js';

export const AUDIT_ICON = '📋';
export const PENDING_AUDIT_ICON = '⏳';

export interface AuditResolverDeps {
  ledger: Ledger;
  staging: Pick<Staging, 'get' | 'list'>;
  cardLabel?: (cardKey: string) => string;
  now?: () => Date;
}

type AuditFields = Pick<AuditMeta, 'card_key' | 'summary' | 'status' | 'iso' | 'audit_type'> & {
  saved_by?: unknown;
  saved_at?: unknown;
};

function preview(id: string, a: AuditFields, source: 'ledger' | 'pending', cardLabel: (k: string) => string): Preview {
  return {
    type: 'audit',
    id,
    exists: true,
    source,
    card_key: a.card_key,
    label: cardLabel(a.card_key),
    summary: a.summary,
    status: a.status,
    iso: a.iso,
    audit_type: a.audit_type,
    ...(typeof a.saved_by === 'string' && { saved_by: a.saved_by }),
    ...(typeof a.saved_at === 'string' && { saved_at: a.saved_at }),
  };
}

const labelOf = (cardKey: string | undefined, summary: string | undefined) =>
  summary ? `${cardKey ?? '?'} — ${summary}` : (cardKey ?? '?');

const joinDetail = (parts: (string | undefined)[]) => parts.filter((p): p is string => !!p).join(' · ');

/**
 * `@audit:<id>`: saved snapshots (the ledger) first, then pending ones (staging).
 * Suggestions: a `saved` section (newest first, matching id, card, summary ...) and an
 * `unsaved` section; pending matches keep up to half of the list so a long ledger never hides them.
 */
export function createAuditResolver(deps: AuditResolverDeps): RefResolver {
  const cardLabel = deps.cardLabel ?? ((k: string) => k);
  const now = deps.now ?? (() => new Date());

  function savedSuggestion(m: EntryMeta, at: Date): Suggestion {
    return {
      ref: `@audit:${m.id}`,
      label: labelOf(m.card_key, m.summary),
      detail: joinDetail([m.status, m.actor, relativeTime(m.time, at)]),
      icon: AUDIT_ICON,
      section: 'saved',
      status: m.status,
      time: m.time,
    };
  }

  function pendingSuggestion(m: AuditMeta, at: Date): Suggestion {
    return {
      ref: `@audit:${m.snapshot_id}`,
      label: labelOf(m.card_key, m.summary),
      detail: joinDetail([m.status, m.audit_type, 'unsaved', relativeTime(m.iso, at)]),
      icon: PENDING_AUDIT_ICON,
      section: 'unsaved',
      status: m.status,
      time: m.iso,
    };
  }

  return {
    kind: 'audit',
    icon: AUDIT_ICON,
    label: 'Audit',
    description: 'Saved and pending audit snapshots',

    async resolve(id: string): Promise<Preview> {
      assertValidId(id, 'audit');
      const saved = await deps.ledger.getAudit(id);
      if (saved) return preview(id, saved, 'ledger', cardLabel);
      try {
        const pending = await deps.staging.get(id);
        return preview(id, pending, 'pending', cardLabel);
      } catch (e) {
        if (!(e instanceof NotFoundError)) throw e;
      }
      return { type: 'audit', id, exists: false };
    },

    async suggest(query: string, limit: number): Promise<Suggestion[]> {
      const q = query.trim().toLowerCase();
      const at = now();
      const pending = (await deps.staging.list()).filter(
        (m) =>
          !q ||
          m.snapshot_id.toLowerCase().includes(q) ||
          m.card_key.toLowerCase().includes(q) ||
          m.summary.toLowerCase().includes(q),
      );
      const savedBudget = limit - Math.min(pending.length, Math.floor(limit / 2));
      const saved =
        savedBudget > 0
          ? (await deps.ledger.list({ kind: 'audit', limit: savedBudget, ...(q && { text: q }) })).entries
          : [];
      const savedIds = new Set(saved.map((m) => m.id));
      const out = saved.map((m) => savedSuggestion(m, at));
      for (const m of pending) {
        if (out.length >= limit) break;
        if (!savedIds.has(m.snapshot_id)) out.push(pendingSuggestion(m, at));
      }
      return out;
    },
  };
}
