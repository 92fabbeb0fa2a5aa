// Browser-test harness (CTest label `browser`): the built movie-booking binary as a real process
// on a free loopback port, Debian's chromium driven headless by playwright-core (no browser
// download), and a second loopback HTTP server standing for "another site" (a foreign origin).
// Environment: MB_BINARY (the server), MB_CHROMIUM (default /usr/bin/chromium), NODE_PATH (where
// scripts/test installed playwright-core, tests/browser/package.json's pinned version).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** Polls `fn` until it returns a truthy value or `deadlineMs` passes (then throws `what`). */
export async function poll(fn, deadlineMs, what) {
  const end = Date.now() + deadlineMs;
  let last;
  for (let wait = 20; ; wait = Math.min(wait * 2, 250)) {
    try {
      const value = await fn();
      if (value) return value;
      last = value;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}; last: ${last}`);
    await new Promise((r) => setTimeout(r, wait));
  }
}

/** One movie-booking process on a private data directory; `args` come last and win. With
 * `jwtSecret` it runs --auth jwt with that HS256 secret (MOVIE_JWT_SECRET), else the local
 * demo's --auth off with --accept-unlisted-movies. */
export async function startServer(args = [], { jwtSecret = null } = {}) {
  const binary = process.env.MB_BINARY;
  if (!binary) throw new Error('MB_BINARY is not set (path of the built movie-booking binary)');
  const dataDir = mkdtempSync(join(tmpdir(), 'mb-browser-'));
  const auth = jwtSecret ? ['--auth', 'jwt'] : ['--auth', 'off', '--accept-unlisted-movies'];
  const env = jwtSecret ? { ...process.env, MOVIE_JWT_SECRET: jwtSecret } : process.env;
  const proc = spawn(binary, ['--port', '0', '--address', '127.0.0.1', '--data-dir', dataDir,
    '--log-format', 'text', ...auth, ...args],
  { stdio: ['ignore', 'pipe', 'pipe'], env });
  const log = [];
  let port = null;
  const read = (chunk) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line) continue;
      log.push(line);
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(line);
      if (m && port === null) port = Number(m[1]);
    }
  };
  proc.stdout.on('data', read);
  proc.stderr.on('data', read);
  let exited = null;
  proc.on('exit', (code) => { exited = code; });
  await poll(() => {
    if (exited !== null) throw new Error(`server exited with ${exited}:\n${log.join('\n')}`);
    return port;
  }, 20000, "the server's 'listening on' line");
  const base = `http://127.0.0.1:${port}`;
  await poll(async () => (await fetch(`${base}/actuator/health/readiness`)).status === 200,
    20000, 'readiness 200');
  return {
    base,
    log,
    async stop() {
      if (exited === null) {
        const done = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await done;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A loopback HTTP server answering every GET with `html`: a page of another origin. */
export async function startSite(html) {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(html);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((r) => server.close(r)),
  };
}

/** Headless Debian chromium through playwright-core. As root it needs --no-sandbox; in a
 * container /dev/shm may be tiny, so shared memory goes to /tmp. */
export async function launchBrowser() {
  const { chromium } = require('playwright-core');
  const args = ['--disable-dev-shm-usage'];
  if (process.getuid && process.getuid() === 0) args.push('--no-sandbox');
  return chromium.launch({
    executablePath: process.env.MB_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args,
  });
}

/** A token minted by the binary itself (`movie-booking token`, README "Tokens") from `secret`. */
export function mintToken(secret, subject, role = 'customer') {
  return execFileSync(process.env.MB_BINARY, ['token', '--sub', subject, '--role', role, '--ttl', '1h'],
    { env: { ...process.env, MOVIE_JWT_SECRET: secret } }).toString('utf8').trim();
}
