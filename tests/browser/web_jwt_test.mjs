// The web page against --auth jwt (README "Web page", "Security"): a customer signs in by
// pasting a token minted by `movie-booking token`, books, and follows My page live — its
// stream authenticated with the token (fetch, not EventSource, which cannot send one); another
// customer's My page never shows the booking; staff at the counter prints it, first meeting a
// 503 "print again shortly" with its Retry-After countdown (the review module is down), then,
// the fault cleared, for real.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';

import { launchBrowser, mintToken, startServer } from './harness.mjs';

const DEADLINE_MS = 10000;
const SECRET = randomBytes(32).toString('base64');

let browser;
let server;

before(async () => {
  server = await startServer(['--demo-data', '--admin', '--review-down',
    '--stream-heartbeat-ms', '500', '--max-streams-per-client', '64'], { jwtSecret: SECRET });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function open(token) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    // 401: the sign-in page's probe of the auth mode (GET /mypages without a token); 503: the
    // print refused on purpose.
    if (m.type() === 'error' && !/status of (401|503)/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  page.closeAll = async () => {
    await context.close();
    assert.deepEqual(problems, [], 'no script error or CSP violation');
  };
  await page.goto(`${server.base}/#/signin`);
  await page.fill('#token', token);
  await page.click('form button[type=submit]');
  await page.waitForFunction(() => document.getElementById('signin-link').textContent.startsWith('Signed in'),
    null, { timeout: DEADLINE_MS });
  return page;
}

const wait = (page, fn, arg) => page.waitForFunction(fn, arg, { timeout: DEADLINE_MS });

test('with tokens: book, follow My page live, print at the counter after a 503 countdown', async () => {
  const r = await fetch(`${server.base}/screenings?size=1000`);
  const later = Date.now() + 10 * 60 * 1000;
  const show = (await r.json())._embedded.screenings.find((s) => s.movieTitle === 'parasite' &&
    Date.parse(s.startsAt) > later);

  const customer = await open(mintToken(SECRET, 'jiwoo'));
  assert.match(await customer.textContent('#signin-link'), /Signed in: jiwoo/);
  await customer.goto(`${server.base}/#/screenings/${show.id}`);
  await customer.waitForSelector('#live[data-state=open]', { timeout: DEADLINE_MS });
  await customer.click('button.seat[data-seat="F7"]');
  await customer.fill('#card-name', 'Lee Jiwoo');
  await customer.fill('#card-number', '4242424242424242');
  await customer.fill('#card-expiry', '01/40');
  await customer.fill('#card-cvc', '321');
  await customer.click('#pay');
  await customer.waitForSelector('#booked', { timeout: DEADLINE_MS });
  const bookingId = Number(/Booking (\d+)/.exec(await customer.textContent('#booked'))[1]);
  await customer.click('#booked a[href="#/mypage"]');
  await customer.waitForSelector('#live[data-state=open]', { timeout: DEADLINE_MS });
  const ticket = `article[data-booking="${bookingId}"] [data-field=ticket]`;
  await wait(customer, (sel) => /^Waiting/.test(document.querySelector(sel)?.textContent ?? ''), ticket);

  // Another customer's My page, live too, never shows it.
  const other = await open(mintToken(SECRET, 'minho'));
  await other.goto(`${server.base}/#/mypage`);
  await other.waitForSelector('#live[data-state=open]', { timeout: DEADLINE_MS });
  assert.equal(await other.isVisible('#no-bookings'), true);
  assert.equal(await other.$(`article[data-booking="${bookingId}"]`), null);

  // The counter: the review module is down, so print answers 503 + Retry-After.
  const staff = await open(mintToken(SECRET, 'desk-1', 'staff'));
  await staff.goto(`${server.base}/#/counter`);
  // A keyboard-wedge scanner types the QR code's whole link: the number is taken from it.
  await staff.fill('#booking-id', 'x');
  await staff.click('form button[type=submit]');
  assert.match(await staff.textContent('#booking-id-error'), /Enter a booking number/);
  await staff.fill('#booking-id', `${server.base}/#/counter/${bookingId}`);
  await staff.click('form button[type=submit]');
  await staff.waitForSelector('#print:not([disabled])', { timeout: DEADLINE_MS });
  await staff.click('#print');
  await staff.waitForSelector('#retry-after', { timeout: DEADLINE_MS });
  assert.match(await staff.textContent('#print-message'), /print again shortly: \d+ s/);
  assert.equal(await staff.isDisabled('#print'), true, 'print waits for the countdown');
  // The countdown runs out and the button comes back (polled with a deadline).
  await staff.waitForSelector('#print:not([disabled])', { timeout: DEADLINE_MS });
  assert.match(await staff.textContent('#print-message'), /Ready: print again/);

  // An admin clears the fault; the second print works and My page shows it without reload.
  const admin = mintToken(SECRET, 'ops', 'admin');
  const cleared = await fetch(`${server.base}/admin/faults/review`, { method: 'DELETE',
    headers: { Authorization: `Bearer ${admin}` } });
  assert.ok(cleared.ok, `DELETE /admin/faults/review: ${cleared.status}`);
  await staff.click('#print');
  await wait(staff, () => /Printed: ticket/.test(document.getElementById('print-message').textContent));
  await wait(customer, (sel) => document.querySelector(sel)?.textContent === 'Printed', ticket);
  assert.equal(await other.$(`article[data-booking="${bookingId}"]`), null);
  await customer.closeAll();
  await other.closeAll();
  await staff.closeAll();
});

test('a pasted text that is not a token is refused on the sign-in page', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${server.base}/#/signin`);
  await page.fill('#token', 'not a token');
  await page.click('form button[type=submit]');
  await page.waitForFunction(() => document.getElementById('token-error').textContent.length > 0,
    null, { timeout: DEADLINE_MS });
  assert.match(await page.textContent('#signin-link'), /^Sign in$/);
  await context.close();
});
