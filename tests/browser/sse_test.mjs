// The page's SSE reader (web/js/sse.js: fetch() instead of EventSource, so it can send a
// bearer token) against a loopback Node server that cuts events at awkward byte boundaries,
// ends the stream, refuses, and checks the reconnect's Last-Event-ID. No browser needed: Node
// has fetch and TextDecoderStream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';

import { openStream, sseParser } from '../../web/js/sse.js';
import { poll } from './harness.mjs';

/** A server whose n-th request (from 0) is answered by handlers[n] (the last one repeats). */
async function serve(handlers) {
  const seen = [];
  const server = createServer((req, res) => {
    seen.push({ lastEventId: req.headers['last-event-id'] ?? null, auth: req.headers.authorization ?? null });
    handlers[Math.min(seen.length - 1, handlers.length - 1)](res);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}/stream`, seen,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) };
}

test('the parser takes a stream cut at every byte as a whole', () => {
  const stream = 'id: 7\r\nevent: seat\r\ndata: {"a":1}\r\n\r\n: heartbeat\n\n' +
    'data: line one\ndata: line two\n\nid: 8\rdata:x\r\rdata: no end';
  const expected = [
    { event: 'seat', id: '7', data: '{"a":1}' },
    { event: 'message', id: null, data: 'line one\nline two' },
    { event: 'message', id: '8', data: 'x' },
  ];
  const whole = [];
  sseParser((e) => whole.push(e)).push(stream);
  assert.deepEqual(whole, expected);
  for (let cut = 1; cut < stream.length; ++cut) {
    const got = [];
    const parser = sseParser((e) => got.push(e));
    parser.push(stream.slice(0, cut));
    parser.push(stream.slice(cut));
    assert.deepEqual(got, expected, `cut at ${cut}: ${JSON.stringify(stream.slice(cut - 2, cut + 2))}`);
  }
  const bytewise = [];
  const parser = sseParser((e) => bytewise.push(e));
  for (const c of stream) parser.push(c);
  assert.deepEqual(bytewise, expected);
});

const head = (res) => res.writeHead(200, { 'Content-Type': 'text/event-stream' });

test('over HTTP: events in pieces, the end of a stream, the reconnect with Last-Event-ID', async () => {
  const server = await serve([
    (res) => {
      head(res);
      // One event cut inside a field name, a CRLF pair split, a comment, two data lines.
      for (const piece of ['id: 7\r', '\nev', 'ent: seat\r\ndata: {"a":', '1}\r\n\r\n',
        ': heartbeat\n\n', 'data: line one\ndata: line two\n', '\n']) res.write(piece);
      res.end();  // the server ends the stream (a drain): the reader reconnects
    },
    (res) => {
      head(res);
      res.write('id: 8\nevent: seat\ndata: {"a":2}\n\n');  // and stays open
    },
  ]);
  const events = [];
  const states = [];
  const stream = openStream(server.url, {
    headers: () => ({ Authorization: 'Bearer t0ken' }),
    onEvent: (e) => events.push(e),
    onState: (s) => states.push(s),
  });
  try {
    await poll(() => events.length === 3, 10000, 'three events');
    assert.deepEqual(events, [
      { event: 'seat', id: '7', data: '{"a":1}' },
      { event: 'message', id: null, data: 'line one\nline two' },
      { event: 'seat', id: '8', data: '{"a":2}' },
    ]);
    assert.deepEqual(server.seen, [{ lastEventId: null, auth: 'Bearer t0ken' },
      { lastEventId: '7', auth: 'Bearer t0ken' }]);
    assert.deepEqual(states.slice(0, 3), ['open', 'retrying', 'open']);
  } finally {
    stream.close();
    await server.close();
  }
});

test('a 503 or 429 is retried; a 404 or 401 stops the stream', async () => {
  const server = await serve([
    (res) => { res.writeHead(503, { 'Retry-After': '1' }); res.end(); },
    (res) => { res.writeHead(429); res.end(); },
    (res) => { head(res); res.write('data: ok\n\n'); res.end(); },
    (res) => { res.writeHead(404); res.end(); },
  ]);
  const events = [];
  const states = [];
  openStream(server.url, { onEvent: (e) => events.push(e), onState: (s, status) => states.push([s, status]) });
  try {
    await poll(() => states.some(([s]) => s === 'closed'), 15000, 'the stream to stop');
    assert.deepEqual(events.map((e) => e.data), ['ok']);
    assert.deepEqual(states, [['retrying', 503], ['retrying', 429], ['open', 200], ['retrying', 200],
      ['closed', 404]]);
    assert.equal(server.seen.length, 4, 'no request after the 404');
  } finally {
    await server.close();
  }
});
