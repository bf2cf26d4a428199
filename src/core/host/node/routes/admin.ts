// The admin role's endpoints: the ledger's enrolled signing keys and the tenant's host settings.
import { keyId, parseAllowedSigners } from '../../../ledger/git/signing/sshsig.js';
import { HostSettingsBody, SignersBody, type HostSettings } from '../../../schemas/host-requests.js';
import { RequestError } from '../request-body.js';
import { bad, parseBody } from '../request-validation.js';
import type { Route, RouteContext } from './route.js';

/** A settings body: `null` goes back to the host's default (the setting is left out). */
function settingsFrom(body: unknown): HostSettings {
  const { default_role } = parseBody(HostSettingsBody, body);
  return default_role ? { default_role } : {};
}

/** allowed_signers text, each key line checked (an unreadable line is refused with its number). */
function signersFrom(body: unknown): string {
  const { signers } = parseBody(SignersBody, body);
  signers.split('\n').forEach((line, i) => {
    const t = line.trim();
    if (!t || t.startsWith('#')) return;
    if (parseAllowedSigners(t).size !== 1)
      throw bad('signers', `line ${i + 1} is not "<principal> ssh-ed25519 <base64 key>"`);
  });
  return signers;
}

async function getSettings(c: RouteContext): Promise<void> {
  c.send(200, { settings: await c.tenant.settings.get() });
}

async function putSettings(c: RouteContext): Promise<void> {
  const settings = settingsFrom(await c.body());
  await c.tenant.settings.set(settings);
  c.send(200, { settings });
}

/** The ledger's signing keys; a 501 for a ledger that cannot sign (memory, HTTP). */
function signingKeys(c: RouteContext) {
  const ledger = c.scp.ledger;
  const read = ledger.allowedSigners?.bind(ledger);
  const write = ledger.setAllowedSigners?.bind(ledger);
  if (!read || !write) {
    throw new RequestError(
      501,
      'not_supported',
      "This host's ledger has no signing keys to manage (signed commits need the git ledger)",
    );
  }
  return { read, write, own: async () => ledger.signingKey?.() };
}

async function getSigners(c: RouteContext): Promise<void> {
  const keys = signingKeys(c);
  const signers = (await keys.read()) ?? '';
  const key = await keys.own();
  c.send(200, {
    signers,
    keys: [...parseAllowedSigners(signers)].map(([id, principal]) => ({ principal, key: id })),
    ...(key && { signing_key: key }),
  });
}

async function putSigners(c: RouteContext): Promise<void> {
  const keys = signingKeys(c);
  const text = signersFrom(await c.body());
  // The host signs every commit it makes after this one: without a key of its own, or with its
  // key left out of the list, each of them would fail verify (unsigned / unknown_key).
  const own = await keys.own();
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
  const w = await keys.write(text, { ...(c.who.actor && { actor: c.who.actor }) });
  c.send(200, { commit: w.commit, keys: parseAllowedSigners(text).size });
}

/** `GET|PUT /api/settings` and `GET|PUT /api/ledger/signers` (role admin, see ENDPOINT_ROLES). */
export const adminRoutes: readonly Route[] = [
  { method: 'GET', path: '/settings', handle: getSettings },
  { method: 'PUT', path: '/settings', handle: putSettings },
  { method: 'GET', path: '/ledger/signers', handle: getSigners },
  { method: 'PUT', path: '/ledger/signers', handle: putSigners },
];
