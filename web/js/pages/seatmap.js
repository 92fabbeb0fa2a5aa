// One screening's seat map, live (GET /screenings/{id}/seats/stream), seat picking by mouse or
// keyboard (arrow keys move, Space/Enter picks), and payment with a simulated card form.
// POST /books {screeningId, seats, customerId?}: the server prices the seats and charges the
// simulated provider; 402 = declined (nothing kept, the seats are free again), 409 = a seat was
// taken meanwhile. The card fields are checked here and never sent.
import { authHeaders, call, customerName, session } from '../api.js';
import { h, money, when } from '../dom.js';
import { openStream } from '../sse.js';

const STATUS_TEXT = { available: 'available', held: 'taken (payment running)', booked: 'taken',
  blocked: 'not for sale' };

export function renderSeatMap(main, [id]) {
  const screeningId = Number(id);
  const state = { seats: new Map(), version: -1, selected: new Set(), price: 0, busy: false };
  const title = h('h1', {}, 'Seat map');
  const facts = h('p', { class: 'muted' });
  const live = h('span', { class: 'live', id: 'live', role: 'status' }, 'connecting…');
  const grid = h('div', { class: 'seat-grid', role: 'group', 'aria-label': 'Seats',
    'aria-describedby': 'seat-help' });
  const summary = h('p', { id: 'summary', class: 'summary', 'aria-live': 'polite' });
  const notice = h('div', { id: 'notice', role: 'alert', class: 'notice' });
  const payArea = h('div', {});
  main.append(
    h('p', {}, h('a', { href: '#/' }, '← All screenings')),
    title, facts,
    h('div', { class: 'legend', 'aria-hidden': 'true' },
      h('span', { class: 'seat sample' }, 'A1'), ' available ',
      h('span', { class: 'seat sample selected' }, 'A1'), ' your pick ',
      h('span', { class: 'seat sample taken' }, 'A1'), ' taken ',
      h('span', { class: 'seat sample blocked' }, 'A1'), ' not for sale'),
    h('p', { id: 'seat-help', class: 'muted' },
      'Arrow keys move between seats; Space or Enter picks one. ', live),
    h('div', { class: 'screen-bar', 'aria-hidden': 'true' }, 'SCREEN'),
    h('div', { class: 'seat-scroll' }, grid),
    summary, notice, payArea);

  let stream = null;
  let alive = true;

  const render = () => {
    for (const button of grid.querySelectorAll('button.seat')) {
      const label = button.dataset.seat;
      const status = state.seats.get(label) ?? 'blocked';
      const picked = state.selected.has(label);
      const free = status === 'available';
      button.classList.toggle('selected', picked);
      button.classList.toggle('taken', status === 'booked' || status === 'held');
      button.classList.toggle('blocked', status === 'blocked');
      button.setAttribute('aria-pressed', picked ? 'true' : 'false');
      button.setAttribute('aria-disabled', free ? 'false' : 'true');
      button.dataset.status = status;
      button.setAttribute('aria-label', picked ? `${label}, your pick, ${money(state.price)}`
        : free ? `${label}, available, ${money(state.price)}` : `${label}, ${STATUS_TEXT[status]}`);
    }
    const picked = [...state.selected].sort(bySeat);
    summary.textContent = picked.length === 0 ? 'No seat picked yet.'
      : `Your seats: ${picked.join(', ')} — ${picked.length} × ${money(state.price)} = ` +
        `${money(picked.length * state.price)} (the server prices the booking when you pay).`;
    payButton?.replaceChildren(picked.length ? `Pay ${money(picked.length * state.price)}` : 'Pick seats first');
    if (payButton) payButton.disabled = picked.length === 0 || state.busy;
  };

  // The whole map (the first `seat` event, GET /seats), or one `seats` delta: only the changed
  // seats, valid on top of version `since` (README "Live streams").
  const apply = (map, version) => {
    if (version < state.version) return;
    state.version = version;
    state.seats = new Map(map.seats.map((s) => [s.seat, s.status]));
    settle(version);
  };

  const applyDelta = (delta) => {
    if (delta.version <= state.version) return;
    if (delta.since !== state.version) {
      refresh();  // a gap: the whole map again
      return;
    }
    state.version = delta.version;
    for (const s of delta.seats) state.seats.set(s.seat, s.status);
    settle(delta.version);
  };

  const settle = (version) => {
    const lost = [...state.selected].filter((s) => state.seats.get(s) !== 'available');
    for (const s of lost) state.selected.delete(s);
    if (lost.length && !state.busy) {
      notice.replaceChildren(h('p', { class: 'warn' },
        `${lost.join(', ')} ${lost.length === 1 ? 'was' : 'were'} just taken by someone else.`));
    }
    grid.setAttribute('data-version', String(version));
    render();
  };

  const refresh = async () => {
    const r = await call('GET', `/screenings/${screeningId}/seats`);
    if (r.ok && alive) {
      const tag = /"\d+-(\d+)"/.exec(r.headers.get('ETag') ?? '');
      apply(r.body, tag ? Number(tag[1]) : state.version);
    }
  };

  const toggle = (label) => {
    if (state.busy || state.seats.get(label) !== 'available') return;
    if (state.selected.has(label)) state.selected.delete(label);
    else state.selected.add(label);
    notice.replaceChildren();
    render();
  };

  // Roving tabindex: one seat is in the tab order, arrows move within the map.
  grid.addEventListener('keydown', (e) => {
    const moves = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
    const move = moves[e.key];
    if (!move || !(e.target instanceof HTMLButtonElement)) return;
    e.preventDefault();
    const rows = [...grid.querySelectorAll('.seat-row')].map((r) => [...r.querySelectorAll('button.seat')]);
    const from = rows.findIndex((row) => row.includes(e.target));
    if (move[0] === 0) {
      const c = rows[from].indexOf(e.target) + move[1];
      focusSeat(rows[from][Math.max(0, Math.min(rows[from].length - 1, c))]);
      return;
    }
    // Up/down: the seat of the nearest number in the next row (rows with gaps have fewer).
    const to = rows[Math.max(0, Math.min(rows.length - 1, from + move[0]))];
    const number = (b) => Number(b.dataset.seat.slice(1));
    const n = number(e.target);
    focusSeat(to.reduce((best, b) => (Math.abs(number(b) - n) < Math.abs(number(best) - n) ? b : best)));
  });
  const focusSeat = (button) => {
    for (const b of grid.querySelectorAll('button.seat')) b.tabIndex = -1;
    button.tabIndex = 0;
    button.focus();
  };

  let payButton = null;
  const buildPay = () => {
    if (!session()) {
      payArea.replaceChildren(h('p', { class: 'card' }, h('a', { href: '#/signin' }, 'Sign in'),
        ' to book these seats.'));
      return;
    }
    payButton = h('button', { type: 'submit', id: 'pay', disabled: true }, 'Pick seats first');
    payArea.replaceChildren(cardForm(payButton, pay));
    render();
  };

  const pay = async (form) => {
    const seats = [...state.selected].sort(bySeat);
    if (seats.length === 0) return;
    state.busy = true;
    render();
    notice.replaceChildren(h('p', {}, 'Paying…'));
    const body = { screeningId, seats };
    if (session()?.mode === 'off') body.customerId = customerName();
    const r = await call('POST', '/books', body);
    state.busy = false;
    if (!alive) return;
    state.selected.clear();
    if (r.ok) {
      const b = r.body;
      form.reset();
      notice.replaceChildren(h('div', { class: 'ok', id: 'booked' },
        h('p', {}, h('strong', {}, 'Booked and paid.'), ` Booking ${b.id}: seats ${b.seat}, `,
          `charged ${money(b.totalPrice)}.`),
        h('p', {}, h('a', { href: '#/mypage' }, 'Follow it on My page'), ' — show the booking number at the counter.')));
    } else if (r.status === 402) {
      notice.replaceChildren(h('div', { class: 'declined', id: 'declined' },
        h('p', {}, h('strong', {}, 'Payment declined.')),
        h('p', {}, `Nothing was charged and nothing was booked: ${seats.join(', ')} ` +
          `${seats.length === 1 ? 'is' : 'are'} free again. (${r.problem.detail})`)));
    } else if (r.status === 401 || r.status === 403) {
      notice.replaceChildren(h('p', { class: 'error' }, `Not allowed: ${r.problem.detail}. `,
        h('a', { href: '#/signin' }, 'Sign in again')));
    } else {
      notice.replaceChildren(h('p', { class: 'error' }, `Not booked: ${r.problem.detail}`));
    }
    await refresh();
    render();
  };

  (async () => {
    const s = await call('GET', `/screenings/${screeningId}`);
    if (!alive) return;
    if (!s.ok) {
      main.replaceChildren(h('h1', {}, 'Seat map'), h('p', { class: 'error', role: 'alert' },
        s.status === 404 ? 'There is no such screening.' : s.problem.detail),
      h('p', {}, h('a', { href: '#/' }, '← All screenings')));
      return;
    }
    const screening = s.body;
    state.price = screening.price;
    title.textContent = screening.movieTitle;
    facts.textContent = `${when(screening.startsAt)} · ${screening.screenName} · ${money(screening.price)} per seat`;
    const screen = await call('GET', `/screens/${screening.screenId}`);
    if (!alive || !screen.ok) return;
    buildGrid(grid, screen.body, toggle);
    const first = grid.querySelector('button.seat');
    if (first) first.tabIndex = 0;
    buildPay();
    await refresh();
    if (!alive) return;
    stream = openStream(`/screenings/${screeningId}/seats/stream`, {
      headers: authHeaders,
      onEvent: (ev) => {
        if (ev.event === 'seat') {
          const map = JSON.parse(ev.data);
          apply(map, map.version);
        } else if (ev.event === 'seats') {
          applyDelta(JSON.parse(ev.data));
        }
      },
      onState: (st) => {
        live.textContent = st === 'open' ? '● live' : st === 'retrying' ? 'reconnecting…' : 'not live';
        live.dataset.state = st;
      },
    });
  })();

  return () => {
    alive = false;
    stream?.close();
  };
}

function bySeat(a, b) {
  return a[0] === b[0] ? Number(a.slice(1)) - Number(b.slice(1)) : a.localeCompare(b);
}

function rowLetter(i) {
  return String.fromCharCode(65 + i);
}

function buildGrid(grid, screen, toggle) {
  const gaps = new Set(screen.gaps);
  for (let r = 0; r < screen.rows; ++r) {
    const letter = rowLetter(r);
    const row = h('div', { class: 'seat-row', role: 'group', 'aria-label': `Row ${letter}` },
      h('span', { class: 'row-label', 'aria-hidden': 'true' }, letter));
    for (let n = 1; n <= screen.seatsPerRow; ++n) {
      const label = `${letter}${n}`;
      if (gaps.has(label)) {
        row.append(h('span', { class: 'gap', 'aria-hidden': 'true' }));
        continue;
      }
      row.append(h('button', { type: 'button', class: 'seat', 'data-seat': label, tabindex: '-1',
        'aria-pressed': 'false', 'aria-disabled': 'true', onclick: () => toggle(label) }, String(n)));
    }
    grid.append(row);
  }
}

function luhn(digits) {
  let sum = 0;
  for (let i = 0; i < digits.length; ++i) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** The simulated card form; `pay(form)` runs when every field is plausible. */
function cardForm(payButton, pay) {
  const field = (id, label, attrs, help) => {
    const error = h('span', { class: 'field-error', id: `${id}-error` });
    const input = h('input', { id, name: id, required: true, 'aria-describedby': `${id}-error`, ...attrs });
    return { input, error, node: h('div', { class: 'field' }, h('label', { for: id }, label), input,
      help ? h('span', { class: 'muted small' }, help) : null, error) };
  };
  const name = field('card-name', 'Name on card', { autocomplete: 'cc-name' });
  const number = field('card-number', 'Card number', { inputmode: 'numeric', autocomplete: 'cc-number' },
    'Simulated: any valid test number, e.g. 4242 4242 4242 4242');
  const expiry = field('card-expiry', 'Expiry (MM/YY)', { inputmode: 'numeric', autocomplete: 'cc-exp', placeholder: 'MM/YY' });
  const cvc = field('card-cvc', 'CVC', { inputmode: 'numeric', autocomplete: 'cc-csc' });
  const check = () => {
    const errors = [];
    const set = (f, message) => {
      f.error.textContent = message;
      f.input.setAttribute('aria-invalid', message ? 'true' : 'false');
      if (message) errors.push(f);
    };
    set(name, name.input.value.trim() ? '' : 'Enter the name on the card.');
    const digits = number.input.value.replace(/[\s-]/g, '');
    set(number, /^\d{12,19}$/.test(digits) && luhn(digits) ? '' : 'This is not a valid card number.');
    const m = /^(\d{2})\s*\/\s*(\d{2})$/.exec(expiry.input.value.trim());
    const now = new Date();
    const valid = m && Number(m[1]) >= 1 && Number(m[1]) <= 12 &&
      (2000 + Number(m[2])) * 12 + Number(m[1]) >= now.getUTCFullYear() * 12 + now.getUTCMonth() + 1;
    set(expiry, valid ? '' : 'Enter a month and year that has not passed, as MM/YY.');
    set(cvc, /^\d{3,4}$/.test(cvc.input.value.trim()) ? '' : 'Enter the 3 or 4 digits on the back.');
    errors[0]?.input.focus();
    return errors.length === 0;
  };
  const form = h('form', { class: 'card pay', id: 'pay-form', novalidate: true, onsubmit: (e) => {
    e.preventDefault();
    if (check()) pay(form);
  } },
  h('h2', {}, 'Pay'), name.node, number.node,
  h('div', { class: 'field-row' }, expiry.node, cvc.node), payButton);
  return form;
}
