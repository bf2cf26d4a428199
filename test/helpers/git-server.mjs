// A real git smart-HTTP server for tests and the demo: Node's http server on 127.0.0.1 running
// `git http-backend` as a CGI, with CORS so Chromium can fetch and push cross-origin.
// Every bare repo gets a pre-receive hook that logs each ref update; an update whose old value is
// not an ancestor of its new value is a force push, which `forcePushes()` reports.
import { spawn, execFile } from 'node:child_process';
import { createServer } from 'node:http';
import { chmod, mkdir, mkdtemp, rm, writeFile, readdir, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BACKEND = process.env.GIT_HTTP_BACKEND || '/usr/lib/git-core/git-http-backend';
const PUSH_LOG = 'scp-push-log';

// Runs inside receive-pack before any ref moves (objects are readable through the quarantine env).
// Logs "<forced|ok|create|delete> <old> <new> <ref>" for every update sent, accepted or not.
const PRE_RECEIVE = `#!/bin/sh
zero=0000000000000000000000000000000000000000
while read old new ref; do
  kind=ok
  if [ "$old" = "$zero" ]; then kind=create
  elif [ "$new" = "$zero" ]; then kind=delete
  elif ! git merge-base --is-ancestor "$old" "$new" 2>/dev/null; then kind=forced
  fi
  echo "$kind $old $new $ref" >> "$GIT_DIR/${PUSH_LOG}"
done
exit 0
`;

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** Splits a CGI response head ("Header: value" lines, then a blank line) from its body. */
function splitCgiHead(buf) {
  const crlf = buf.indexOf('\r\n\r\n');
  const lf = buf.indexOf('\n\n');
  let end = -1;
  let sep = 0;
  if (crlf !== -1 && (lf === -1 || crlf < lf)) {
    end = crlf;
    sep = 4;
  } else if (lf !== -1) {
    end = lf;
    sep = 2;
  }
  if (end === -1) return undefined;
  const headers = {};
  let status = 200;
  let statusText = 'OK';
  for (const line of buf.subarray(0, end).toString('latin1').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const key = line.slice(0, i).trim();
    const value = line.slice(i + 1).trim();
    if (key.toLowerCase() === 'status') {
      const m = /^(\d{3})\s*(.*)$/.exec(value);
      if (m) {
        status = Number(m[1]);
        statusText = m[2] || statusText;
      }
    } else {
      headers[key] = value;
    }
  }
  return { status, statusText, headers, rest: buf.subarray(end + sep) };
}

function corsHeaders(req) {
  return {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
    'Access-Control-Allow-Headers':
      req.headers['access-control-request-headers'] || 'Content-Type, Git-Protocol, Authorization',
    'Access-Control-Expose-Headers': 'Content-Type, Content-Length, Cache-Control, Expires, Pragma, Git-Protocol',
    'Access-Control-Max-Age': '600',
  };
}

/**
 * Starts the server. `root` defaults to a fresh temp directory (removed by `stop()`);
 * `port` defaults to an ephemeral port.
 */
export async function startGitServer({ root, port = 0 } = {}) {
  const ownRoot = !root;
  const projectRoot = root ?? (await mkdtemp(join(tmpdir(), 'scp-git-server-')));
  await mkdir(projectRoot, { recursive: true });

  // Per repo: bearer/basic tokens it requires (token → expiry), whether it sends CORS headers
  // itself, and what each request brought (for tests of credentials and CORS proxies).
  const policies = new Map();
  const policyOf = (name) => policies.get(name.replace(/\.git$/, ''));

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    // `/cors-proxy/<host:port>/<path>`: isomorphic-git's corsProxy form, served by this same server
    // (it adds CORS headers to repos that send none).
    const proxied = url.pathname.startsWith('/cors-proxy/');
    if (proxied) url.pathname = `/${url.pathname.split('/').slice(3).join('/')}`;
    const policy = policyOf(decodeURIComponent(url.pathname).split('/')[1] ?? '');
    const cors = policy?.noCors && !proxied ? {} : corsHeaders(req);
    if (req.method === 'OPTIONS') {
      res.writeHead(204, cors);
      res.end();
      return;
    }
    if (policy?.tokens) {
      const header = String(req.headers.authorization ?? '');
      const basic = /^Basic (.+)$/i.exec(header);
      const token =
        /^Bearer (.+)$/i.exec(header)?.[1] ??
        (basic ? Buffer.from(basic[1], 'base64').toString('utf8').split(':').slice(1).join(':') : undefined);
      const expires = token === undefined ? undefined : policy.tokens.get(token);
      const auth =
        token === undefined ? 'missing' : expires === undefined ? 'unknown' : expires < Date.now() ? 'expired' : 'ok';
      policy.log.push({ method: req.method, path: url.pathname, proxied, auth, token });
      if (auth !== 'ok') {
        res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"', 'Content-Type': 'text/plain', ...cors });
        res.end(`authentication required (${auth})\n`);
        return;
      }
    } else if (policy) {
      policy.log.push({ method: req.method, path: url.pathname, proxied, auth: 'none' });
    }
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      GIT_PROJECT_ROOT: projectRoot,
      GIT_HTTP_EXPORT_ALL: '1',
      REQUEST_METHOD: req.method ?? 'GET',
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      REMOTE_USER: 'scp-test',
      REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
      GATEWAY_INTERFACE: 'CGI/1.1',
      SERVER_PROTOCOL: 'HTTP/1.1',
    };
    if (req.headers['content-length'] !== undefined) env.CONTENT_LENGTH = String(req.headers['content-length']);
    if (req.headers['git-protocol']) env.GIT_PROTOCOL = String(req.headers['git-protocol']);
    if (req.headers['content-encoding']) env.HTTP_CONTENT_ENCODING = String(req.headers['content-encoding']);

    const child = spawn(BACKEND, [], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let head;
    let pending = Buffer.alloc(0);
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.stdin.on('error', () => {
      /* backend exited before reading the whole body */
    });
    req.pipe(child.stdin);
    child.stdout.on('data', (chunk) => {
      if (head) {
        res.write(chunk);
        return;
      }
      pending = Buffer.concat([pending, chunk]);
      const parsed = splitCgiHead(pending);
      if (!parsed) return;
      head = parsed;
      res.writeHead(parsed.status, parsed.statusText, { ...parsed.headers, ...cors });
      if (parsed.rest.length) res.write(parsed.rest);
    });
    child.on('error', (err) => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain', ...cors });
      res.end(`git http-backend failed to start: ${err.message}\n`);
    });
    child.on('close', (code) => {
      if (!head) {
        if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'text/plain', ...cors });
        res.end(`git http-backend exited (${code}) without a response: ${stderr}\n`);
        return;
      }
      res.end();
    });
    res.on('close', () => {
      if (child.exitCode === null) child.kill();
    });
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const baseUrl = `http://127.0.0.1:${address.port}`;

  const repoDir = (name) => join(projectRoot, name.endsWith('.git') ? name : `${name}.git`);

  async function exists(path) {
    try {
      await stat(path);
      return true;
    } catch {
      return false;
    }
  }

  /** Creates a bare repo (branch `main`) and returns its URL. Throws if the name is taken or invalid. */
  async function createRepo(name, { protectBranches = true } = {}) {
    if (typeof name !== 'string' || !NAME_RE.test(name)) {
      throw new Error(`Invalid repo name ${JSON.stringify(name)}: use letters, digits, ".", "_" or "-" (max 100)`);
    }
    const dir = repoDir(name);
    if (await exists(dir)) throw new Error(`Repo ${name} already exists at ${dir}`);
    await run('git', ['init', '--quiet', '--bare', '-b', 'main', dir]);
    await run('git', ['-C', dir, 'config', 'http.receivepack', 'true']);
    if (protectBranches) {
      await run('git', ['-C', dir, 'config', 'receive.denyNonFastForwards', 'true']);
      await run('git', ['-C', dir, 'config', 'receive.denyDeletes', 'true']);
    }
    const hook = join(dir, 'hooks', 'pre-receive');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the hook script's own placeholder
    await writeFile(hook, PRE_RECEIVE.replace('${PUSH_LOG}', PUSH_LOG));
    await chmod(hook, 0o755);
    return `${baseUrl}/${name.endsWith('.git') ? name : `${name}.git`}`;
  }

  /** Creates `<base>`, or `<base>-2`, `<base>-3`, ... when taken. Returns { name, url }. */
  async function createUniqueRepo(base, options) {
    for (let i = 1; ; i++) {
      const name = i === 1 ? base : `${base}-${i}`;
      if (await exists(repoDir(name))) continue;
      try {
        return { name, url: await createRepo(name, options) };
      } catch (err) {
        if (!(await exists(repoDir(name)))) throw err;
      }
    }
  }

  /** Every ref update ever sent to the repo(s), in order: { repo, kind, old, new, ref }. */
  async function pushLog(name) {
    const names = name
      ? [name.endsWith('.git') ? name : `${name}.git`]
      : (await readdir(projectRoot)).filter((n) => n.endsWith('.git'));
    const out = [];
    for (const n of names) {
      let text = '';
      try {
        text = await readFile(join(projectRoot, n, PUSH_LOG), 'utf8');
      } catch {
        continue;
      }
      for (const line of text.split('\n')) {
        const [kind, oldSha, newSha, ref] = line.split(' ');
        if (kind && ref) out.push({ repo: n.replace(/\.git$/, ''), kind, old: oldSha, new: newSha, ref });
      }
    }
    return out;
  }

  /** Ref updates sent whose old value is not an ancestor of the new one (attempted or accepted). */
  async function forcePushes(name) {
    return (await pushLog(name)).filter((u) => u.kind === 'forced' || u.kind === 'delete');
  }

  /**
   * Makes a repo require a token (`requireToken`) and/or send no CORS headers of its own
   * (`cors: false`, so a browser reaches it only through `/cors-proxy/`).
   */
  function setPolicy(name, { requireToken = false, cors = true } = {}) {
    policies.set(name.replace(/\.git$/, ''), { tokens: requireToken ? new Map() : undefined, noCors: !cors, log: [] });
  }

  /** A fresh token for a repo that requires one, valid for `ttlMs`. */
  function issueToken(name, ttlMs = 60_000) {
    const policy = policyOf(name);
    if (!policy?.tokens) throw new Error(`Repo ${name} does not require tokens`);
    const token = `tok-${Math.random().toString(36).slice(2)}-${Date.now().toString(36)}`;
    policy.tokens.set(token, Date.now() + ttlMs);
    return token;
  }

  /** What each request to a repo with a policy brought: { method, path, proxied, auth, token }. */
  const requestLog = (name) => [...(policyOf(name)?.log ?? [])];

  /** The path of a repo on disk (for native git checks such as `git fsck`). */
  const pathOf = (name) => repoDir(name);

  async function stop() {
    await new Promise((resolve) => {
      server.closeAllConnections?.();
      server.close(() => resolve());
    });
    if (ownRoot) await rm(projectRoot, { recursive: true, force: true });
  }

  return {
    url: baseUrl,
    root: projectRoot,
    createRepo,
    createUniqueRepo,
    pathOf,
    pushLog,
    forcePushes,
    setPolicy,
    issueToken,
    requestLog,
    stop,
  };
}
