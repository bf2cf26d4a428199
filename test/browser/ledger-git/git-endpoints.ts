// Browser-side access to the git server started by scripts/wtr/plugins.mjs.
export interface PushLogEntry { repo: string; kind: 'create' | 'ok' | 'forced' | 'delete'; old: string; new: string; ref: string }

async function get<T>(path: string): Promise<T> {
  const res = await fetch(path, { cache: 'no-store' });
  const body = await res.json();
  if (body && typeof body === 'object' && 'error' in body) throw new Error(String(body.error));
  return body as T;
}

/** A fresh bare repo on the test git server (the name gets a suffix when taken). */
export const newRepo = (name: string) => get<{ name: string; url: string }>(`/__git__/new-repo?name=${encodeURIComponent(name)}`);
export const pushLog = (name: string) => get<PushLogEntry[]>(`/__git__/push-log?name=${encodeURIComponent(name)}`);
export const forcePushes = (name: string) => get<PushLogEntry[]>(`/__git__/force-pushes?name=${encodeURIComponent(name)}`);
