import * as z from 'zod/mini';
import { parseWith } from '../../schemas/parse.js';
import type { OriginEnvelope } from '../envelope.js';
import { type CachedGet, typed } from './call.js';
import { HistoryResponse } from './responses.js';

/** A page of `GET /api/events/history`: envelopes as the stream sends them, and where the next page starts. */
export interface EventHistoryPage {
  events: OriginEnvelope[];
  cursor?: number;
}

const atLeastOne = z.optional(z.int({ error: 'expected an integer >= 1' }).check(z.gte(1, 'expected an integer >= 1')));
const HistoryOptions = z.object({ before: atLeastOne, limit: atLeastOne });

/** One page of the host's event history, newest first; a page asked for again may come from the last copy (304). */
export function httpHistory(cachedGet: CachedGet) {
  return (o: { before?: number; limit?: number } = {}) =>
    typed(async (): Promise<EventHistoryPage> => {
      const { before, limit } = parseWith(HistoryOptions, o, 'history options');
      const body = await cachedGet('/api/events/history', { before, limit }, HistoryResponse, 'event history');
      return { events: body.events, ...(body.cursor !== undefined && { cursor: Number(body.cursor) }) };
    });
}
