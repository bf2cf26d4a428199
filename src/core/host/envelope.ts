import * as z from 'zod/mini';
import type { BusEventMap, BusEventName } from '../schemas/events.js';

/**
 * The origin's SSE envelope: `{v: 1, ts, seq, type: "<domain>:<action>", key, data, ...}`.
 * `audit:pending` carries `snapshot_id` at the top level (its `data` is `{}` at the origin).
 */
export const OriginEnvelope = z.looseObject({
  v: z.optional(z.number()),
  /** Unix seconds (float) at the origin. */
  ts: z.optional(z.union([z.number(), z.string()])),
  seq: z.optional(z.number()),
  type: z.string(),
  key: z.optional(z.nullable(z.string())),
  data: z.optional(z.unknown()),
  snapshot_id: z.optional(z.string()),
});
export type OriginEnvelope = z.infer<typeof OriginEnvelope>;

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function isoOf(ts: OriginEnvelope['ts']): string {
  if (typeof ts === 'number') return new Date(ts * 1000).toISOString();
  if (typeof ts === 'string' && !Number.isNaN(Date.parse(ts))) return new Date(ts).toISOString();
  return new Date().toISOString();
}

/** Bus events that travel over the wire (local-only ones such as `sys:reset` do not). */
export const WIRE_EVENTS: readonly BusEventName[] = [
  'audit:pending',
  'audit:saved',
  'audit:discarded',
  'audit:deleted',
  'run:started',
  'run:event',
  'run:completed',
  'ledger:written',
  'ledger:synced',
];

/**
 * Maps an envelope onto a bus event payload (unvalidated), or `undefined` for types the bus does
 * not carry (`cache:*`, `sys:*`, a host's own).
 */
export function envelopeToBus(env: OriginEnvelope): { name: BusEventName; payload: unknown } | undefined {
  const data = obj(env.data);
  const key = str(env.key) ?? undefined;
  switch (env.type) {
    case 'audit:pending':
      return {
        name: 'audit:pending',
        payload: {
          snapshot_id: env.snapshot_id ?? str(data.snapshot_id),
          card_key: key ?? str(data.card_key),
          summary: str(data.summary) ?? '',
          iso: str(data.iso) ?? isoOf(env.ts),
          replaced: Array.isArray(data.replaced) ? data.replaced : [],
        },
      };
    case 'audit:saved':
    case 'audit:discarded':
    case 'audit:deleted':
      return { name: env.type, payload: { ...data, snapshot_id: str(data.snapshot_id) ?? key } };
    case 'run:started':
    case 'run:event':
      return { name: env.type, payload: { ...data, run_id: str(data.run_id) ?? key } };
    case 'run:completed':
      return { name: 'run:completed', payload: { duration_ms: null, ...data, run_id: str(data.run_id) ?? key } };
    case 'ledger:written':
    case 'ledger:synced':
      return { name: env.type, payload: data };
    case 'ledger:run':
      // The origin announces runs recorded through record_run by this event alone: a finished run.
      return {
        name: 'run:completed',
        payload: {
          run_id: str(data.run_id) ?? key,
          type: str(data.type) ?? 'run',
          subtype: str(data.subtype) ?? str(data.type) ?? 'run',
          status: data.status,
          summary: str(data.summary) ?? '',
          duration_ms: typeof data.duration_ms === 'number' ? data.duration_ms : null,
          ...(data.metadata && typeof data.metadata === 'object' && !Array.isArray(data.metadata)
            ? { metadata: data.metadata }
            : {}),
        },
      };
    default:
      return undefined;
  }
}

/** The envelope a server sends for a bus event (the inverse of `envelopeToBus`). */
export function busToEnvelope<K extends BusEventName>(
  name: K,
  payload: BusEventMap[K],
  seq: number,
  ts: number,
): OriginEnvelope {
  const p = payload as Obj;
  // The request / trace id an event happened under rides on the envelope too, for log joins.
  const base = {
    v: 1,
    ts,
    seq,
    type: name as string,
    ...(typeof p.correlation_id === 'string' && { correlation_id: p.correlation_id }),
  };
  switch (name) {
    case 'audit:pending': {
      const { snapshot_id, card_key, ...rest } = p;
      return { ...base, key: card_key as string, snapshot_id: snapshot_id as string, data: rest };
    }
    case 'audit:saved':
    case 'audit:discarded':
    case 'audit:deleted': {
      const { snapshot_id, ...rest } = p;
      return { ...base, key: snapshot_id as string, data: rest };
    }
    case 'run:started':
    case 'run:event':
    case 'run:completed':
      return { ...base, key: p.run_id as string, data: p };
    case 'ledger:written':
      return { ...base, key: p.commit as string, data: p };
    case 'ledger:synced':
      return { ...base, key: p.head as string, data: p };
    default:
      return { ...base, key: null, data: p };
  }
}
