// Server-Sent Events over fetch() (WHATWG HTML §9.2 parsing), because EventSource cannot send
// an Authorization header and My page's stream needs one with --auth jwt. Reconnects with
// backoff and resumes with Last-Event-ID, as EventSource would.

/**
 * Opens `url` and calls onEvent({event, id, data}) per event and onState(state, status) with
 * 'open' | 'retrying' | 'closed'. A 4xx other than 429 stops (the request will not get better).
 * Returns {close()}.
 */
export function openStream(url, { headers = () => ({}), onEvent, onState = () => {} }) {
  let lastId = null;
  let stopped = false;
  let controller = null;
  const run = async () => {
    let delay = 250;
    while (!stopped) {
      controller = new AbortController();
      let status = 0;
      try {
        const h = { Accept: 'text/event-stream', ...headers() };
        if (lastId !== null) h['Last-Event-ID'] = lastId;
        const r = await fetch(url, { headers: h, signal: controller.signal, cache: 'no-store' });
        status = r.status;
        if (r.ok && r.body) {
          onState('open', status);
          delay = 250;
          await read(r.body, (ev) => {
            if (ev.id !== null) lastId = ev.id;
            onEvent(ev);
          });
        } else if (status >= 400 && status < 500 && status !== 429) {
          stopped = true;
          onState('closed', status);
          return;
        }
      } catch {
        // aborted or the connection dropped: retry below unless closed
      }
      if (stopped) break;
      onState('retrying', status);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 5000);
    }
    onState('closed', 0);
  };
  run();
  return {
    close() {
      stopped = true;
      controller?.abort();
    },
  };
}

async function read(body, dispatch) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  const parser = sseParser(dispatch);
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    parser.push(value);
  }
}

/**
 * The event-stream format's parser (WHATWG HTML §9.2.6): push(text) any piece of the stream,
 * however it was cut; dispatch({event, id, data}) runs once per complete event with data.
 * Comments (heartbeats) are skipped; a CR ending a piece waits for the next one, which may
 * start with its LF.
 */
export function sseParser(dispatch) {
  let buffer = '';
  let event = { event: 'message', id: null, data: [] };
  const line = (text) => {
    if (text === '') {
      if (event.data.length > 0) dispatch({ event: event.event, id: event.id, data: event.data.join('\n') });
      event = { event: 'message', id: null, data: [] };
      return;
    }
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    let v = colon < 0 ? '' : text.slice(colon + 1);
    if (v.startsWith(' ')) v = v.slice(1);
    if (field === 'event') event.event = v;
    else if (field === 'data') event.data.push(v);
    else if (field === 'id' && !v.includes('\0')) event.id = v;
  };
  return {
    push(text) {
      buffer += text;
      const held = buffer.endsWith('\r') ? '\r' : '';
      const lines = (held ? buffer.slice(0, -1) : buffer).split(/\r\n|\r|\n/);
      buffer = lines.pop() + held;  // an incomplete last line waits for more
      for (const l of lines) line(l);
    },
  };
}
