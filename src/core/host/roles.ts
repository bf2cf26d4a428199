/**
 * Roles and what each may do. The host's auth hook names a role per request; every endpoint
 * names the least role it needs (ENDPOINT_ROLES), and clients read the same table to show a
 * read-only state (`capabilitiesOf`). Kept free of node:* so browser code can import it.
 */

/** `viewer` reads everything its tenant has; `operator` also stages, saves, discards and records runs; `admin` also deletes and manages signing keys and settings. */
export type Role = 'viewer' | 'operator' | 'admin';
export const ROLES: readonly Role[] = ['viewer', 'operator', 'admin'];

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export function isRole(v: unknown): v is Role {
  return typeof v === 'string' && Object.hasOwn(RANK, v);
}

/** Does `have` include everything `need` may do? */
export function roleAllows(have: Role, need: Role): boolean {
  return RANK[have] >= RANK[need];
}

/** What a client may do, for elements to hide or disable the rest. */
export interface Capabilities {
  role: Role;
  /** Stage scans. */
  stage: boolean;
  /** Save pending audits. */
  save: boolean;
  /** Discard pending audits. */
  discard: boolean;
  /** Delete saved audits. */
  delete: boolean;
  /** Start and finish runs. */
  runs: boolean;
}

/** The least role each action needs. */
export const ACTION_ROLES: Record<Exclude<keyof Capabilities, 'role'>, Role> = {
  stage: 'operator',
  save: 'operator',
  discard: 'operator',
  delete: 'admin',
  runs: 'operator',
};

export function capabilitiesOf(role: Role): Capabilities {
  const can = (a: keyof typeof ACTION_ROLES) => roleAllows(role, ACTION_ROLES[a]);
  return {
    role,
    stage: can('stage'),
    save: can('save'),
    discard: can('discard'),
    delete: can('delete'),
    runs: can('runs'),
  };
}

/**
 * Every endpoint of the host API and the least role it needs. `:id` matches one path segment.
 * The request handler refuses a request below it with 403 naming the role; tests walk this table.
 */
export const ENDPOINT_ROLES: readonly { method: string; path: string; role: Role }[] = [
  { method: 'GET', path: '/api/me', role: 'viewer' },
  { method: 'GET', path: '/api/audits/pending', role: 'viewer' },
  { method: 'GET', path: '/api/audits/pending/:id', role: 'viewer' },
  { method: 'POST', path: '/api/audits/stage', role: 'operator' },
  { method: 'POST', path: '/api/audits/save', role: 'operator' },
  { method: 'POST', path: '/api/audits/discard', role: 'operator' },
  { method: 'GET', path: '/api/audits/saved', role: 'viewer' },
  { method: 'GET', path: '/api/audits/saved/:id', role: 'viewer' },
  { method: 'DELETE', path: '/api/audits/saved/:id', role: 'admin' },
  { method: 'GET', path: '/api/runs/recent', role: 'viewer' },
  { method: 'POST', path: '/api/runs', role: 'operator' },
  { method: 'POST', path: '/api/runs/:id/events', role: 'operator' },
  { method: 'POST', path: '/api/runs/:id/finish', role: 'operator' },
  { method: 'POST', path: '/api/runs/:id/artifacts', role: 'operator' },
  { method: 'GET', path: '/api/runs/:id', role: 'viewer' },
  { method: 'GET', path: '/api/chat/refs/resolve', role: 'viewer' },
  { method: 'GET', path: '/api/chat/refs/autocomplete', role: 'viewer' },
  { method: 'GET', path: '/api/ledger/entries', role: 'viewer' },
  { method: 'GET', path: '/api/ledger/head', role: 'viewer' },
  { method: 'GET', path: '/api/ledger/checkpoint', role: 'viewer' },
  { method: 'GET', path: '/api/ledger/actions/:id', role: 'viewer' },
  { method: 'POST', path: '/api/ledger/write', role: 'operator' },
  { method: 'GET', path: '/api/events', role: 'viewer' },
  { method: 'GET', path: '/api/events/history', role: 'viewer' },
  { method: 'GET', path: '/api/ledger/signers', role: 'admin' },
  { method: 'PUT', path: '/api/ledger/signers', role: 'admin' },
  { method: 'GET', path: '/api/settings', role: 'admin' },
  { method: 'PUT', path: '/api/settings', role: 'admin' },
];

/** The role an API request needs (`segments` without the leading `api`), or `undefined` for no endpoint. */
export function requiredRole(method: string, segments: readonly string[]): Role | undefined {
  // Literal segments win over `:id` (`/api/runs/recent` is not `/api/runs/:id`).
  let best: { role: Role; literals: number } | undefined;
  for (const e of ENDPOINT_ROLES) {
    if (e.method !== method) continue;
    const want = e.path.split('/').filter(Boolean).slice(1);
    if (want.length !== segments.length) continue;
    let literals = 0;
    const matches = want.every((w, i) => {
      if (w === ':id') return true;
      literals++;
      return w === segments[i];
    });
    if (!matches) continue;
    if (!best || literals > best.literals) best = { role: e.role, literals };
  }
  return best?.role;
}
