// The customer's web page (README "Web page") in a real browser: Debian's chromium driven by
// playwright-core against the built binary, which serves the shipped web/ itself. Every step
// is a click or a key press a customer would make; every wait is a poll with a deadline.
// Screenshots (360 px and desktop) for the README: see DOCS below.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { qrcode } from '../../web/vendor/qrcode-generator-2.0.4/qrcode.mjs';
import { launchBrowser, startServer } from './harness.mjs';

// Screenshots go to MB_SCREENSHOT_DIR (CTest: the build tree), or into the repository's docs/
// with MB_UPDATE_DOCS=1 — a test run never changes the checkout by itself (the QR code holds
// the server's random port, so every run draws different pixels).
const DOCS = process.env.MB_UPDATE_DOCS === '1'
  ? join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs')
  : (process.env.MB_SCREENSHOT_DIR || join(tmpdir(), 'mb-browser-screenshots'));
const DEADLINE_MS = 10000;
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 360, height: 780 };

let browser;
let server;
let screenings;

before(async () => {
  // Short heartbeats: a stream the page closed frees its slot quickly (the server notices a
  // closed connection at the next write).
  server = await startServer(['--demo-data', '--stream-heartbeat-ms', '500',
    '--max-streams-per-client', '64']);
  browser = await launchBrowser();
  const r = await fetch(`${server.base}/screenings?size=1000`);
  const now = Date.now() + 10 * 60 * 1000;  // not one that starts during the test
  screenings = (await r.json())._embedded.screenings.filter((s) => Date.parse(s.startsAt) > now);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** The i-th open screening of `title` (each test takes its own, so seat maps start empty). */
function screening(title, i) {
  const list = screenings.filter((s) => s.movieTitle === title);
  assert.ok(list.length > i, `the demo catalogue has a ${i + 1}th open screening of ${title}`);
  return list[i];
}

/** A new browser (its own context: cookies, sessionStorage) showing the page; CSP violations
 * and script errors fail the test. */
async function open(viewport = DESKTOP) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of (402|409|503|400)/.test(m.text())) {
      problems.push(`console: ${m.text()}`);
    }
  });
  page.on('dialog', (d) => d.accept());
  page.problems = problems;
  page.closeAll = async () => {
    await context.close();
    assert.deepEqual(problems, [], 'no script error or CSP violation');
  };
  await page.goto(`${server.base}/`);
  return page;
}

async function signIn(page, customerId) {
  await page.goto(`${server.base}/#/signin`);
  await page.fill('#customer-id', customerId);
  await page.click('form button[type=submit]');
  await page.waitForFunction((id) => document.getElementById('signin-link').textContent.includes(id),
    customerId, { timeout: DEADLINE_MS });
}

async function waitLive(page) {
  await page.waitForSelector('#live[data-state=open]', { timeout: DEADLINE_MS });
}

/** Waits until seat `label` of the map on `page` has `status` (available, booked, held). */
async function seatIs(page, label, status) {
  await page.waitForFunction(([l, s]) =>
    document.querySelector(`button.seat[data-seat="${l}"]`)?.dataset.status === s,
  [label, status], { timeout: DEADLINE_MS });
}

async function pressed(page, label) {
  return page.getAttribute(`button.seat[data-seat="${label}"]`, 'aria-pressed');
}

async function fillCard(page) {
  await page.fill('#card-name', 'Kim Minji');
  await page.fill('#card-number', '4242 4242 4242 4242');
  await page.fill('#card-expiry', '12/39');
  await page.fill('#card-cvc', '123');
}

/** Text of a My page row's field, e.g. field(page, 3, 'ticket'). */
async function field(page, bookingId, name) {
  return page.textContent(`article[data-booking="${bookingId}"] [data-field="${name}"]`);
}

async function fieldIs(page, bookingId, name, pattern) {
  await page.waitForFunction(([id, n, p]) => {
    const el = document.querySelector(`article[data-booking="${id}"] [data-field="${n}"]`);
    return el && new RegExp(p).test(el.textContent);
  }, [bookingId, name, pattern.source], { timeout: DEADLINE_MS });
}

async function shot(page, name) {
  mkdirSync(DOCS, { recursive: true });
  await page.screenshot({ path: join(DOCS, name), fullPage: true });
}

test('the whole flow by clicking: book two seats, pay, print at the counter, review', async () => {
  const show = screening('soul', 0);
  const page = await open();
  await signIn(page, 'alice');
  // Choose the screening from the catalogue.
  await page.click(`a[href="#/screenings/${show.id}"]`);
  await waitLive(page);
  await page.click('button.seat[data-seat="E5"]');
  await page.click('button.seat[data-seat="E6"]');
  assert.equal(await pressed(page, 'E5'), 'true');
  assert.equal(await pressed(page, 'E6'), 'true');
  assert.match(await page.textContent('#summary'), /E5, E6 — 2 × 5,000 KRW = 10,000 KRW/);
  await fillCard(page);
  await shot(page, 'web-desktop-seat-map.png');
  await page.click('#pay');
  await page.waitForSelector('#booked', { timeout: DEADLINE_MS });
  const booked = await page.textContent('#booked');
  assert.match(booked, /Booked and paid\. Booking \d+: seats E5,E6, charged 10,000 KRW/);
  const bookingId = Number(/Booking (\d+)/.exec(booked)[1]);
  // The map shows the customer's own seats taken now.
  await seatIs(page, 'E5', 'booked');

  await page.click('#booked a[href="#/mypage"]');
  await waitLive(page);
  await fieldIs(page, bookingId, 'ticket', /^Waiting/);
  assert.equal(await field(page, bookingId, 'seats'), 'E5,E6');
  assert.equal(await field(page, bookingId, 'payment'), 'Paid');

  // The ticket's QR code encodes the counter's link for this booking: its dark modules are
  // exactly those of that text's QR code (the vendored library, run here in Node).
  const link = `${server.base}/#/counter/${bookingId}`;
  const figure = `article[data-booking="${bookingId}"] figure.ticket-qr`;
  assert.equal(await page.getAttribute(figure, 'data-link'), link);
  const drawn = new Set([...(await page.getAttribute(`${figure} svg path`, 'd'))
    .matchAll(/M(\d+) (\d+)h1v1h-1z/g)].map(([, x, y]) => `${y - 4},${x - 4}`));
  const expected = qrcode(0, 'M');
  expected.addData(link);
  expected.make();
  const dark = new Set();
  for (let r = 0; r < expected.getModuleCount(); ++r) {
    for (let c = 0; c < expected.getModuleCount(); ++c) if (expected.isDark(r, c)) dark.add(`${r},${c}`);
  }
  assert.deepEqual(drawn, dark, 'the QR code drawn is the QR code of the counter link');

  // The counter, in another browser, opens the scanned link: the booking is looked up.
  const counter = await open();
  await counter.goto(link);
  await counter.waitForSelector('#print:not([disabled])', { timeout: DEADLINE_MS });
  assert.equal(await counter.inputValue('#booking-id'), String(bookingId));
  assert.equal(await counter.textContent('#ticket-status'), 'Waiting');
  await counter.click('#print');
  await counter.waitForFunction(() => /Printed: ticket/.test(document.getElementById('print-message').textContent),
    null, { timeout: DEADLINE_MS });

  // My page follows live (no reload): Printed, and the review form opens.
  await fieldIs(page, bookingId, 'ticket', /^Printed$/);
  await page.waitForSelector(`article[data-booking="${bookingId}"] form.review`, { timeout: DEADLINE_MS });
  assert.equal(await page.$(`article[data-booking="${bookingId}"] [data-action=cancel]`), null,
    'no cancel after print');
  // A score the server refuses: its problem+json error shows next to the field.
  const form = `article[data-booking="${bookingId}"] form.review`;
  await page.fill(`${form} input[name=score]`, '11');
  await page.fill(`${form} textarea[name=contents]`, 'Loved the music.');
  await page.click(`${form} button[type=submit]`);
  await page.waitForFunction((f) => document.querySelector(`${f} input[name=score]`)
    .getAttribute('aria-invalid') === 'true', form, { timeout: DEADLINE_MS });
  const scoreError = await page.textContent(`${form} input[name=score] ~ .field-error`);
  assert.match(scoreError, /0 to 10/);
  // Contents over 2000 characters: the server's message next to the contents field.
  await page.fill(`${form} input[name=score]`, '9');
  await page.fill(`${form} textarea[name=contents]`, 'x'.repeat(2001));
  await page.click(`${form} button[type=submit]`);
  await page.waitForFunction((f) => document.querySelector(`${f} textarea`)
    .getAttribute('aria-invalid') === 'true', form, { timeout: DEADLINE_MS });
  assert.match(await page.textContent(`${form} textarea ~ .field-error`), /2000/);
  assert.equal(await page.textContent(`${form} input[name=score] ~ .field-error`), '');

  await page.fill(`${form} textarea[name=contents]`, 'Loved the music.');
  await page.click(`${form} button[type=submit]`);
  await fieldIs(page, bookingId, 'review', /Written · 9\/10/);
  await fieldIs(page, bookingId, 'contents', /^Loved the music\.$/);
  await page.waitForFunction((id) => document.querySelector(`article[data-booking="${id}"] .badge`)
    .textContent === 'ReviewComplete', bookingId, { timeout: DEADLINE_MS });
  await shot(page, 'web-desktop-my-page.png');
  await counter.closeAll();
  await page.closeAll();
});

test('two browsers on one seat map: a seat taken by A shows taken on B live; a declined payment frees the seats', async () => {
  const show = screening('soul', 1);
  const a = await open();
  const b = await open(PHONE);
  await signIn(a, 'anna');
  await signIn(b, 'bora');
  for (const page of [a, b]) {
    await page.goto(`${server.base}/#/screenings/${show.id}`);
    await waitLive(page);
    await seatIs(page, 'A1', 'available');
  }
  // Marks B's document: it must still be there after the update (no reload).
  await b.evaluate(() => { window.notReloaded = true; });
  await a.click('button.seat[data-seat="A1"]');
  await fillCard(a);
  await a.click('#pay');
  await a.waitForSelector('#booked', { timeout: DEADLINE_MS });

  await seatIs(b, 'A1', 'booked');
  assert.equal(await b.evaluate(() => window.notReloaded), true, 'B was not reloaded');
  assert.equal(await b.getAttribute('button.seat[data-seat="A1"]', 'aria-disabled'), 'true');
  assert.match(await b.getAttribute('button.seat[data-seat="A1"]', 'aria-label'), /A1, taken/);
  // B cannot pick it (a real click on the seat, past Playwright's own disabled check).
  await b.click('button.seat[data-seat="A1"]', { force: true });
  assert.equal(await pressed(b, 'A1'), 'false');
  assert.match(await b.textContent('#summary'), /No seat picked yet/);
  await shot(b, 'web-360-seat-map.png');

  // A declined payment (the gala is priced above the simulated provider's limit).
  const gala = screening('gala night', 0);
  for (const page of [a, b]) {
    await page.goto(`${server.base}/#/screenings/${gala.id}`);
    await waitLive(page);
  }
  await a.click('button.seat[data-seat="C3"]');
  await a.click('button.seat[data-seat="C4"]');
  await fillCard(a);
  await a.click('#pay');
  await a.waitForSelector('#declined', { timeout: DEADLINE_MS });
  assert.match(await a.textContent('#declined'), /Payment declined\..*C3, C4 are free again/s);
  for (const page of [a, b]) {
    await seatIs(page, 'C3', 'available');
    await seatIs(page, 'C4', 'available');
  }
  assert.equal(await pressed(a, 'C3'), 'false', "A's pick is cleared");
  // And the freed seats can be picked on B's map.
  await b.click('button.seat[data-seat="C3"]');
  assert.equal(await pressed(b, 'C3'), 'true');
  const seats = await (await fetch(`${server.base}/screenings/${gala.id}/seats`)).json();
  assert.equal(seats.seats.find((s) => s.seat === 'C3').status, 'available');
  assert.equal(seats.booked + seats.held, 0, 'nothing kept of the declined booking');
  await a.closeAll();
  await b.closeAll();
});

test('cancel from My page: the booking goes Canceled live and its seats are free again', async () => {
  const show = screening('parasite', 0);
  const created = await fetch(`${server.base}/books`, { method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ screeningId: show.id, seats: ['B2'], customerId: 'chris' }) });
  assert.equal(created.status, 201);
  const bookingId = (await created.json()).id;
  const page = await open(PHONE);
  await signIn(page, 'chris');
  await page.goto(`${server.base}/#/mypage`);
  await waitLive(page);
  await fieldIs(page, bookingId, 'ticket', /^Waiting/);
  await shot(page, 'web-360-my-page.png');
  await page.click(`article[data-booking="${bookingId}"] [data-action=cancel]`);
  await fieldIs(page, bookingId, 'booking', /^Canceled$/);
  await page.waitForFunction((id) => !document.querySelector(`article[data-booking="${id}"] [data-action=cancel]`),
    bookingId, { timeout: DEADLINE_MS });
  const seats = await (await fetch(`${server.base}/screenings/${show.id}/seats`)).json();
  assert.equal(seats.seats.find((s) => s.seat === 'B2').status, 'available');
  await page.closeAll();
});

test('keyboard only: sign in, move on the seat map with the arrow keys, pick with Space, pay with Enter', async () => {
  const show = screening('minari', 0);
  const page = await open();
  const tabTo = async (pred, what) => {
    for (let i = 0; i < 60; ++i) {
      await page.keyboard.press('Tab');
      if (await page.evaluate(pred)) return;
    }
    throw new Error(`Tab never reached ${what}`);
  };
  await page.goto(`${server.base}/#/signin`);
  await tabTo(() => document.activeElement?.id === 'customer-id', 'the customer id field');
  await page.keyboard.type('kim');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => location.hash === '#/', null, { timeout: DEADLINE_MS });
  await page.goto(`${server.base}/#/screenings/${show.id}`);
  await waitLive(page);
  await tabTo(() => document.activeElement?.classList.contains('seat'), 'a seat');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.seat), 'A1');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Space');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.seat), 'C2');
  assert.equal(await pressed(page, 'C1'), 'true');
  assert.equal(await pressed(page, 'C2'), 'true');
  // Tab leaves the map (one tab stop) for the card form.
  await tabTo(() => document.activeElement?.id === 'card-name', 'the name on the card');
  await page.keyboard.type('Kim Minji');
  await page.keyboard.press('Tab');
  await page.keyboard.type('4242424242424242');
  await page.keyboard.press('Tab');
  await page.keyboard.type('12/39');
  await page.keyboard.press('Tab');
  await page.keyboard.type('123');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#booked', { timeout: DEADLINE_MS });
  assert.match(await page.textContent('#booked'), /seats C1,C2, charged 22,000 KRW/);
  await page.closeAll();
});
