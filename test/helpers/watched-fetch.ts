// The real fetch, watched: each request's path, its If-None-Match and the answer's status, for
// tests of ETag / 304 reuse (in Node and in Chromium).

export interface SeenRequest {
  path: string;
  ifNoneMatch: string | null;
  status: number;
}

export function watchedFetch(): {
  fetch: typeof fetch;
  seen: SeenRequest[];
  last(path: string): SeenRequest;
  count(path: string): number;
} {
  const seen: SeenRequest[] = [];
  const watched: typeof fetch = async (input, init) => {
    const req = new Request(input, init);
    const res = await fetch(req);
    seen.push({ path: new URL(req.url).pathname, ifNoneMatch: req.headers.get('if-none-match'), status: res.status });
    return res;
  };
  return {
    fetch: watched,
    seen,
    last: (path) => {
      const s = seen.filter((x) => x.path === path).at(-1);
      if (!s) throw new Error(`no request to ${path} yet`);
      return s;
    },
    count: (path) => seen.filter((x) => x.path === path).length,
  };
}
