import type { IncomingMessage } from 'node:http';
import { HttpError } from '../../errors/index.js';
import { isRole, ROLES, type Role } from '../roles.js';
import { RequestError } from './request-body.js';
import { TENANT_RE } from './tenants.js';

/**
 * Who is asking: the actor recorded on saves, runs, discards and deletes, the tenant whose data
 * they may see, and their role (`viewer` reads, `operator` also stages/saves/discards/records runs,
 * `admin` also deletes). Without a role the request has `defaultRole`.
 */
export interface AuthResult {
  actor?: string;
  tenant?: string;
  role?: Role;
}

/** The handler's auth hook (see ScpRequestHandlerOptions.auth). */
export type AuthHook = (req: IncomingMessage) => AuthResult | string | true | Promise<AuthResult | string | true>;

/** A request's caller; `role` is undefined when the hook named none (the tenant's settings or `defaultRole` decide). */
export interface SignedIn {
  actor: string | undefined;
  tenant: string;
  role: Role | undefined;
}

/** Throw from `auth` for a request without valid credentials (401). */
export function unauthorized(message = 'Sign in to use this API'): HttpError {
  return new HttpError(message, { data: { status: 401, url: '' } });
}
/** Throw from `auth` for an authenticated caller who may not do this (403). */
export function forbidden(message = 'You may not use this API'): HttpError {
  return new HttpError(message, { data: { status: 403, url: '' } });
}

/**
 * Runs the auth hook (none: tenant `default`, role `admin`) and checks what it names. A hook that
 * throws `forbidden()` is a 403, anything else it throws a 401. `multiTenant` is false when the
 * handler serves one core, which then serves only `default`.
 */
export async function authenticate(
  req: IncomingMessage,
  auth: AuthHook | undefined,
  multiTenant: boolean,
): Promise<SignedIn> {
  let r: AuthResult | undefined;
  let role: Role | undefined = 'admin';
  if (auth) {
    r = await askHook(req, auth);
    if (r.role !== undefined && !isRole(r.role)) {
      throw new RequestError(403, 'forbidden', `The sign-in gave an unknown role; roles are ${ROLES.join(', ')}`);
    }
    role = r.role;
  }
  const name = r?.tenant ?? 'default';
  if (!TENANT_RE.test(name)) throw new RequestError(403, 'forbidden', 'The tenant is not a valid name');
  if (!multiTenant && name !== 'default') {
    throw new RequestError(
      403,
      'forbidden',
      `This host serves one tenant; "${name}" is not served (pass a per-tenant scp factory)`,
    );
  }
  return { actor: r?.actor, tenant: name, role };
}

async function askHook(req: IncomingMessage, auth: AuthHook): Promise<AuthResult> {
  let got: AuthResult | string | true | undefined;
  try {
    got = await auth(req);
  } catch (e) {
    const status = e instanceof HttpError && (e.data.status === 403 || e.data.status === 401) ? e.data.status : 401;
    throw new RequestError(
      status,
      status === 403 ? 'forbidden' : 'unauthorized',
      e instanceof Error && e.message ? e.message : 'Not signed in',
    );
  }
  if (!got) throw new RequestError(401, 'unauthorized', 'Not signed in');
  return got === true ? {} : typeof got === 'string' ? { actor: got } : got;
}
