// The admin role's endpoints: the ledger's enrolled signing keys and the tenant's host settings.
// Kept out of the request handler: it calls adminRoute() for what it does not serve itself.
import type { ScpClient } from '../../client.js';
import { keyId, parseAllowedSigners } from '../../ledger/git/signing/sshsig.js';
import { isRole, ROLES, type Role } from '../roles.js';
import { RequestError } from './request-body.js';

/** What an admin may change per tenant (kept in the staging store, so every instance on a shared store sees it). */
export interface HostSettings {
  /** The role of a signed-in user whose auth hook names none (else the handler's `defaultRole`). */
  default_role?: Role;
}

const SETTINGS_KEY = 'host:settings';
/** How long an instance trusts its copy of the settings before reading the store again. */
const SETTINGS_FRESH_MS = 2000;
/** The largest allowed_signers text accepted. */
const MAX_SIGNERS_CHARS = 64 * 1024;

/** One tenant's settings, read from its store at most every SETTINGS_FRESH_MS. */
export function createSettingsCache(scp: ScpClient): {
  get(): Promise<HostSettings>;
  set(s: HostSettings): Promise<void>;
} {
  let copy: { value: HostSettings; at: number } | undefined;
  return {
    async get() {
      if (copy && Date.now() - copy.at < SETTINGS_FRESH_MS) return copy.value;
      const stored = await scp.store.getMeta<HostSettings>(SETTINGS_KEY);
      copy = { value: stored && typeof stored === 'object' ? stored : {}, at: Date.now() };
      return copy.value;
    },
    async set(value) {
      await scp.store.setMeta(SETTINGS_KEY, value);
      copy = { value, at: Date.now() };
    },
  };
}

const bad = (field: string, message: string) => new RequestError(400, 'validation', `${field}: ${message}`, field);

/** A settings body, checked field by field (unknown fields are refused, so a typo is not silently kept). */
function parseSettings(body: unknown): HostSettings {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw bad('body', 'expected a JSON object, e.g. {"default_role": "viewer"}');
  const out: HostSettings = {};
  for (const [k, v] of Object.entries(body)) {
    if (k === 'default_role') {
      if (v === null) continue;
      if (!isRole(v)) throw bad('default_role', `expected one of ${ROLES.join(', ')} (or null for the host's default)`);
      out.default_role = v;
    } else throw bad(k, 'not a setting; the settings are: default_role');
  }
  return out;
}

/** allowed_signers text, each key line checked (an unreadable line is refused with its number). */
function parseSigners(body: unknown): string {
  const text =
    body && typeof body === 'object' && !Array.isArray(body) ? (body as { signers?: unknown }).signers : undefined;
  if (typeof text !== 'string')
    throw bad(
      'signers',
      'expected {"signers": "<allowed_signers text>"}: one "<principal> ssh-ed25519 <key>" per line',
    );
  if (text.length > MAX_SIGNERS_CHARS) throw bad('signers', `at most ${MAX_SIGNERS_CHARS} characters`);
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    const t = line.trim();
    if (!t || t.startsWith('#')) return;
    if (parseAllowedSigners(t).size !== 1)
      throw bad('signers', `line ${i + 1} is not "<principal> ssh-ed25519 <base64 key>"`);
  });
  return text;
}

export interface AdminRequest {
  method: string;
  /** Path segments after `api`. */
  path: readonly string[];
  actor: string | undefined;
  scp: ScpClient;
  settings: ReturnType<typeof createSettingsCache>;
  body(): Promise<unknown>;
  send(status: number, body: unknown): void;
}

/**
 * `GET|PUT /api/settings` and `GET|PUT /api/ledger/signers` (role admin, see ENDPOINT_ROLES).
 * Returns false for any other request.
 */
export async function adminRoute(r: AdminRequest): Promise<boolean> {
  const at = (m: string, ...segs: string[]) =>
    r.method === m && r.path.length === segs.length && segs.every((s, i) => s === r.path[i]);

  if (at('GET', 'settings')) {
    r.send(200, { settings: await r.settings.get() });
    return true;
  }
  if (at('PUT', 'settings')) {
    const settings = parseSettings(await r.body());
    await r.settings.set(settings);
    r.send(200, { settings });
    return true;
  }

  if (at('GET', 'ledger', 'signers') || at('PUT', 'ledger', 'signers')) {
    const ledger = r.scp.ledger;
    if (!ledger.allowedSigners || !ledger.setAllowedSigners) {
      throw new RequestError(
        501,
        'not_supported',
        "This host's ledger has no signing keys to manage (signed commits need the git ledger)",
      );
    }
    if (r.method === 'GET') {
      const signers = (await ledger.allowedSigners()) ?? '';
      const key = await ledger.signingKey?.();
      r.send(200, {
        signers,
        keys: [...parseAllowedSigners(signers)].map(([id, principal]) => ({ principal, key: id })),
        ...(key && { signing_key: key }),
      });
      return true;
    }
    const text = parseSigners(await r.body());
    // The host signs every commit it makes after this one: without a key of its own, or with its
    // key left out of the list, each of them would fail verify (unsigned / unknown_key).
    const own = await ledger.signingKey?.();
    if (!own) {
      throw new RequestError(
        409,
        'conflict',
        'This host does not sign its commits: enrolling keys would turn signing on and every later commit it makes would fail verify as unsigned. Start the host with a signing key first.',
      );
    }
    if (!parseAllowedSigners(text).has(keyId(own))) {
      throw new RequestError(
        400,
        'validation',
        `signers: the list must keep this host's own key (${own.split(' ').slice(0, 2).join(' ').slice(0, 60)}…, "signing_key" in GET), or every later commit it makes fails verify as unknown_key`,
        'signers',
      );
    }
    const w = await ledger.setAllowedSigners(text, { ...(r.actor && { actor: r.actor }) });
    r.send(200, { commit: w.commit, keys: parseAllowedSigners(text).size });
    return true;
  }
  return false;
}
