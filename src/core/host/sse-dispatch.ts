import * as z from 'zod/mini';
import { ScpError, ValidationError } from '../errors/index.js';
import type { EventBus } from '../events/bus.js';
import { BusEvents, type BusEventName } from '../schemas/events.js';
import { checkWith, parseWith } from '../schemas/parse.js';
import { envelopeToBus, OriginEnvelope } from './envelope.js';
import type { SseMessage } from './sse-parser.js';

// What the bridge does with each server-sent message: the stream's control messages (reset,
// state:snapshot, sys:ready) move the cursor and trigger refetches; every other message is an
// envelope, checked by its schema and mapped onto the bus. Each message's data is checked by a
// schema; what does not match is reported and skipped, and the stream goes on.

/** Cursors are printable ASCII without spaces, at most 128 characters. */
const GOOD_ID = /^[\x21-\x7e]{1,128}$/;

/** A string field that may be missing or of another type (then it counts as missing). */
const maybeString = z.catch(z.optional(z.string()), undefined);
/** `event: reset` data: `{reason}` (a bare reset is fine). */
const ResetData = z.object({ reason: maybeString });
/** The origin's `state:snapshot`: `{data: {reason}}`. */
const SnapshotData = z.object({ data: z.catch(z.optional(z.object({ reason: maybeString })), undefined) });
/** `sys:ready`: ours puts `instance_id` at the top level, the origin's envelope under `data`. */
const ReadyData = z.object({
  instance_id: maybeString,
  data: z.catch(z.optional(z.object({ instance_id: maybeString })), undefined),
});
/** The origin's `cache:done` envelope: the card is `key`, the result `data`. */
const CacheDone = z.looseObject({
  key: z.string(),
  data: z.optional(z.unknown()),
  duration_s: z.catch(z.optional(z.number()), undefined),
});

/** Where the dispatcher keeps the bridge's state and reaches its options. */
export interface DispatchState {
  /** The id of the last event fully dispatched. */
  cursor: string;
  instanceId: string | undefined;
  /** A restart was detected on this connection and nothing else has arrived since. */
  justRestarted: boolean;
}

export interface DispatchHooks {
  bus: EventBus;
  report(e: ScpError): void;
  /** Bus `sys:reset` and the refetch callbacks. */
  reset(reason: string): void;
  /** The first `sys:ready` arrived. */
  ready(): void;
  onEnvelope?: ((envelope: OriginEnvelope, message: SseMessage) => void) | undefined;
  onCacheDone?: ((scan: { card_key: string; result: unknown; duration_s?: number }) => unknown) | undefined;
}

export function invalid(what: string, message: string, path = '(root)', cause?: unknown): ValidationError {
  return new ValidationError(message, {
    data: { what, issues: [{ path, message }] },
    ...(cause !== undefined && { cause }),
  });
}

/** The message's data as JSON checked by `schema`, or undefined (not JSON, or not matching). */
function dataOf<S extends z.ZodMiniType>(m: SseMessage, schema: S): z.infer<S> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(m.data);
  } catch {
    return undefined;
  }
  const r = checkWith(schema, parsed);
  return r.ok ? r.data : undefined;
}

/** Handles one message; returns true when it moved the cursor forward (progress). */
export function dispatch(m: SseMessage, s: DispatchState, h: DispatchHooks): boolean {
  const id = m.hasId ? m.id : undefined;
  if (id !== undefined && !GOOD_ID.test(id)) {
    const text = `Server-sent id ${JSON.stringify(id.slice(0, 40))} is not a valid cursor; the event is kept but the cursor is not moved`;
    h.report(invalid('sse id', text, 'id'));
  }
  const goodId = id !== undefined && GOOD_ID.test(id) ? id : undefined;
  switch (m.type) {
    case 'reset':
      s.cursor = goodId ?? '';
      h.reset(dataOf(m, ResetData)?.reason ?? 'cursor_expired');
      return true;
    case 'sys:heartbeat':
      return false;
    case 'state:snapshot': {
      // The origin's answer to a cursor older than its buffer: its state replaces the client's, so
      // views refetch; the snapshot's id is where the stream goes on from. Right after a restart
      // was detected on this connection the views are refetching already: one reset is enough.
      s.cursor = goodId ?? '';
      if (!s.justRestarted) h.reset(dataOf(m, SnapshotData)?.data?.reason ?? 'cursor_expired');
      s.justRestarted = false;
      return true;
    }
    case 'sys:ready':
      ready(m, goodId, s, h);
      return false;
    default:
      return event(m, goodId, s, h);
  }
}

/** `sys:ready` names the server instance: a new one is a restart (its seqs begin again at 1). */
function ready(m: SseMessage, goodId: string | undefined, s: DispatchState, h: DispatchHooks): void {
  let next: string | undefined;
  try {
    const r = checkWith(ReadyData, JSON.parse(m.data));
    if (r.ok) next = r.data.instance_id ?? r.data.data?.instance_id;
  } catch {
    h.report(invalid('sse sys:ready', 'sys:ready data is not JSON', 'data'));
  }
  if (next !== undefined) {
    const restarted = s.instanceId !== undefined && next !== s.instanceId;
    s.instanceId = next;
    if (restarted) {
      s.cursor = goodId ?? '';
      s.justRestarted = true;
      h.reset('server_restart');
    }
  }
  h.ready();
}

/** An envelope: checked, handed to the callbacks, mapped onto the bus; the cursor moves past it either way. */
function event(m: SseMessage, goodId: string | undefined, s: DispatchState, h: DispatchHooks): boolean {
  s.justRestarted = false;
  // Duplicate after a replay overlap: numeric ids must advance.
  if (
    goodId !== undefined &&
    s.cursor !== '' &&
    /^\d+$/.test(goodId) &&
    /^\d+$/.test(s.cursor) &&
    Number(goodId) <= Number(s.cursor)
  )
    return false;
  const env = envelopeOf(m, goodId, h);
  if (env) deliver(env, m, h);
  if (goodId !== undefined) s.cursor = goodId;
  return goodId !== undefined;
}

function envelopeOf(m: SseMessage, goodId: string | undefined, h: DispatchHooks): OriginEnvelope | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(m.data);
  } catch (e) {
    const text = `Event "${m.type}"${goodId ? ` #${goodId}` : ''} has data that is not JSON; it was skipped`;
    h.report(invalid('sse event data', text, 'data', e));
    return undefined;
  }
  // An envelope without `type` takes the SSE event name (some hosts only set `event:`).
  const plain = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed);
  const r = checkWith(
    OriginEnvelope,
    plain && !('type' in (parsed as object)) ? { ...(parsed as object), type: m.type } : parsed,
  );
  if (r.ok) return r.data;
  const text = `Event "${m.type}" is not an envelope {type, key, data}; it was skipped`;
  h.report(invalid('sse envelope', text, r.issues[0]?.path.join('.') || '(root)', r.error));
  return undefined;
}

function deliver(env: OriginEnvelope, m: SseMessage, h: DispatchHooks): void {
  try {
    h.onEnvelope?.(env, m);
  } catch {
    /* a host callback must not stop the stream */
  }
  if (env.type === 'cache:done' && h.onCacheDone) cacheDone(env, h);
  const mapped = envelopeToBus(env);
  if (!mapped) return;
  try {
    const payload = parseWith(BusEvents[mapped.name], mapped.payload, `sse ${mapped.name}`);
    h.bus.emit(mapped.name as BusEventName, payload as never);
  } catch (e) {
    if (e instanceof ValidationError) h.report(e);
    else throw e;
  }
}

/** The origin's fresh scan result for a card, to `onCacheDone`; what it throws or rejects with is reported. */
function cacheDone(env: OriginEnvelope, h: DispatchHooks): void {
  const r = checkWith(CacheDone, env);
  if (!r.ok) return;
  const { key, data, duration_s } = r.data;
  const failed = (e: unknown) =>
    h.report(
      e instanceof ScpError
        ? e
        : new ValidationError(`Handling cache:done for "${key}" failed: ${String(e)}`, {
            data: { what: 'cache:done', issues: [{ path: 'data', message: String(e) }] },
            cause: e,
          }),
    );
  try {
    const p = h.onCacheDone?.({ card_key: key, result: data, ...(duration_s !== undefined && { duration_s }) });
    if (p && typeof (p as Promise<unknown>).catch === 'function') (p as Promise<unknown>).catch(failed);
  } catch (e) {
    failed(e);
  }
}
