// Browser-side access to the git server started by scripts/wtr/plugins.mjs.
export interface PushLogEntry {
  repo: string;
  kind: 'create' | 'ok' | 'forced' | 'delete';
  old: string;
  new: string;
  ref: string;
}

async function get<T>(path: string): Promise<T> {
  const res = await fetch(path, { cache: 'no-store' });
  const body = await res.json();
  if (body && typeof body === 'object' && 'error' in body) throw new Error(String(body.error));
  return body as T;
}

/** A fresh bare repo on the test git server (the name gets a suffix when taken); `auth` requires a token, `cors: false` sends no CORS headers. */
export const newRepo = (name: string, o: { auth?: boolean; cors?: boolean } = {}) =>
  get<{ name: string; url: string }>(
    `/__git__/new-repo?name=${encodeURIComponent(name)}${o.auth ? '&auth=1' : ''}${o.cors === false ? '&cors=0' : ''}`,
  );
/** A fresh token for a repo made with `auth`, valid for `ttlMs`. */
export const issueToken = async (name: string, ttlMs = 60_000) =>
  (await get<{ token: string }>(`/__git__/token?name=${encodeURIComponent(name)}&ttl=${ttlMs}`)).token;
export interface RequestLogEntry {
  method: string;
  path: string;
  proxied: boolean;
  auth: 'ok' | 'missing' | 'unknown' | 'expired' | 'none';
  token?: string;
}
/** What each request to a repo made with `auth` or `cors: false` brought. */
export const requestLog = (name: string) =>
  get<RequestLogEntry[]>(`/__git__/request-log?name=${encodeURIComponent(name)}`);
export const pushLog = (name: string) => get<PushLogEntry[]>(`/__git__/push-log?name=${encodeURIComponent(name)}`);
export const forcePushes = (name: string) =>
  get<PushLogEntry[]>(`/__git__/force-pushes?name=${encodeURIComponent(name)}`);
/** The test git server's base URL. */
export const gitServerUrl = async () => (await get<{ url: string }>('/__git__/server')).url;
