// CORS as a real browser enforces it (README "HTTP conformance and headers", --cors-origin):
// a page of an allowed origin books through fetch() and reads the exposed X-Request-Id and
// Location; a page of any other origin is stopped by the preflight, so its cross-site POST
// never reaches the handler: no booking is created. Node's own test runner (node --test).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';

import { launchBrowser, startServer, startSite } from './harness.mjs';

const PAGE = '<!doctype html><title>another site</title><p>another site</p>';
const BOOKING = { qty: 2, movieName: 'soul', seat: 'B1,B2', totalPrice: 10000, customerId: 'cors' };

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

/** fetch() from a page of `origin`: {ok, status, requestId, location} or {error}. */
async function postFromPage(origin, url, body) {
  const page = await browser.newPage();
  try {
    await page.goto(origin);
    return await page.evaluate(async ([u, b]) => {
      try {
        const r = await fetch(u, { method: 'POST', headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(b) });
        return { status: r.status, requestId: r.headers.get('X-Request-Id'),
          location: r.headers.get('Location') };
      } catch (e) {
        return { error: String(e) };
      }
    }, [url, body]);
  } finally {
    await page.close();
  }
}

async function bookings(server) {
  const r = await fetch(`${server.base}/books?size=100`);
  assert.equal(r.status, 200);
  return (await r.json())._embedded?.books ?? [];
}

test('a page of an allowed origin books and reads the exposed headers', async () => {
  const site = await startSite(PAGE);
  const server = await startServer(['--cors-origin', site.origin]);
  try {
    const answer = await postFromPage(site.origin, `${server.base}/books`, BOOKING);
    assert.equal(answer.error, undefined, `blocked: ${answer.error}`);
    assert.equal(answer.status, 201);
    assert.match(answer.requestId ?? '', /^[!-~]{1,128}$/, 'X-Request-Id readable cross-origin');
    assert.match(answer.location ?? '', /\/books\/\d+$/, 'Location readable cross-origin');
    assert.equal((await bookings(server)).length, 1);
  } finally {
    await server.stop();
    await site.close();
  }
});

test('a page of any other origin is stopped by the preflight: nothing is booked', async () => {
  const allowed = await startSite(PAGE);
  const other = await startSite(PAGE);
  const server = await startServer(['--cors-origin', allowed.origin]);
  try {
    const answer = await postFromPage(other.origin, `${server.base}/books`, BOOKING);
    assert.match(answer.error ?? '', /TypeError|Failed to fetch/, JSON.stringify(answer));
    assert.deepEqual(await bookings(server), [], 'the cross-site POST must not book');
    // And with CORS off (no --cors-origin at all) the same holds.
    const closed = await startServer();
    try {
      const again = await postFromPage(other.origin, `${closed.base}/books`, BOOKING);
      assert.match(again.error ?? '', /TypeError|Failed to fetch/, JSON.stringify(again));
      assert.deepEqual(await bookings(closed), []);
    } finally {
      await closed.stop();
    }
  } finally {
    await server.stop();
    await allowed.close();
    await other.close();
  }
});
