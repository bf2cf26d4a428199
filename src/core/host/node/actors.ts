/**
 * Who a stored entry says did it comes from authentication, never from a request body. These
 * helpers put the authenticated actor into a ledger batch sent to `POST /api/ledger/write`.
 */

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * A copy of a `{audits?, runs?, message?, actor?}` body in which every actor field (`actor`,
 * each audit's `saved_by`, each run's `run.user`) is `actor`, whatever the body said. Entries that
 * are not objects are left for the ledger's own validation to refuse.
 */
export function withActor(body: Json, actor: string): Json {
  const out: Json = { ...body, actor };
  if (Array.isArray(body.audits)) out.audits = body.audits.map((a) => (isObject(a) ? { ...a, saved_by: actor } : a));
  if (Array.isArray(body.runs)) {
    out.runs = body.runs.map((r) => (isObject(r) && isObject(r.run) ? { ...r, run: { ...r.run, user: actor } } : r));
  }
  if (Array.isArray(body.actions)) out.actions = body.actions.map((a) => (isObject(a) ? { ...a, actor } : a));
  return out;
}
