// My page: the customer's bookings, live (GET /mypages/stream: every current row, then each row
// again when an event changed it). Cancel until the ticket is printed (DELETE /books/{id});
// after print the review form (PATCH /reviews/{id} {score 0..10, contents ≤ 2000}); the
// server's field errors (problem+json `errors`) are shown next to their field.
import { authHeaders, call, customerName, session } from '../api.js';
import { h, money, when } from '../dom.js';
import { qrSvg } from '../qr.js';
import { openStream } from '../sse.js';

export function renderMyPage(main) {
  main.append(h('h1', {}, 'My page'));
  if (!session()) {
    main.append(h('p', { class: 'card' }, h('a', { href: '#/signin' }, 'Sign in'), ' to see your bookings.'));
    return null;
  }
  const live = h('span', { class: 'live', id: 'live', role: 'status' }, 'connecting…');
  const list = h('div', { class: 'bookings', id: 'bookings' });
  const empty = h('p', { class: 'muted', id: 'no-bookings' }, 'No bookings yet. ', h('a', { href: '#/' }, 'Pick a screening'), '.');
  main.append(h('p', { class: 'muted' }, `Bookings of ${customerName()} `, live), empty, list);
  const cards = new Map();  // booking id -> {node, update(row)}

  const show = (row) => {
    let card = cards.get(row.bookingId);
    if (!card) {
      card = bookingCard(row);
      cards.set(row.bookingId, card);
      // Newest first.
      const after = [...cards.keys()].filter((id) => id < row.bookingId).sort((a, b) => b - a)[0];
      const before = after === undefined ? null : cards.get(after).node;
      list.insertBefore(card.node, before);
    }
    card.update(row);
    empty.hidden = cards.size > 0;
  };

  const query = session().mode === 'off' ? `?customerId=${encodeURIComponent(customerName())}` : '';
  const stream = openStream(`/mypages/stream${query}`, {
    headers: authHeaders,
    onEvent: (ev) => {
      if (ev.event === 'mypage') show(JSON.parse(ev.data));
    },
    onState: (st, status) => {
      live.textContent = st === 'open' ? '● live' : st === 'retrying' ? 'reconnecting…'
        : status === 401 ? 'not signed in: sign in again' : 'not live';
      live.dataset.state = st;
    },
  });
  return () => stream.close();
}

const TICKET = { Waiting: 'Waiting (collect it at the counter)', Printed: 'Printed', Canceled: 'Canceled' };

function bookingCard(row) {
  const status = h('span', { class: 'badge', 'data-field': 'status' });
  const dl = h('dl', { class: 'facts' });
  const actions = h('div', { class: 'actions' });
  const message = h('p', { role: 'status', class: 'small' });
  const node = h('article', { class: 'card booking', 'data-booking': row.bookingId,
    'aria-labelledby': `b${row.bookingId}-title` },
  h('h2', { id: `b${row.bookingId}-title` }, `Booking ${row.bookingId} · `, h('span', { 'data-field': 'movie' }), ' ', status),
  dl, actions, message);
  let review = null;
  let cancel = null;
  let qr = null;

  const update = (r) => {
    node.querySelector('[data-field=movie]').textContent = r.movieName;
    status.textContent = r.status;
    status.dataset.status = r.status;
    const fact = (name, value, key) => [h('dt', {}, name), h('dd', { 'data-field': key }, value)];
    dl.replaceChildren(
      ...fact('Show', r.screeningStartsAt ? when(r.screeningStartsAt) : '—', 'show'),
      ...fact('Seats', r.seat, 'seats'),
      ...fact('Total', money(r.totalPrice), 'total'),
      ...fact('Booking', r.bookingStatus, 'booking'),
      ...fact('Payment', r.paymentStatus || '—', 'payment'),
      ...fact('Ticket', TICKET[r.ticketStatus] ?? (r.ticketStatus || 'being issued…'), 'ticket'),
      ...fact('Review', r.reviewStatus ? `${r.reviewStatus}${r.score !== null && r.score !== undefined ? ` · ${r.score}/10` : ''}` : '—', 'review'),
      ...(r.contents ? fact('Your review', r.contents, 'contents') : []));
    const canceled = r.bookingStatus === 'Canceled' || r.status === 'Canceled';
    const printed = r.ticketStatus === 'Printed';
    // The ticket to collect: a QR code of the counter's link for this booking.
    if (r.ticketStatus === 'Waiting' && !canceled && !qr) {
      const link = `${location.origin}/#/counter/${r.bookingId}`;
      qr = h('figure', { class: 'ticket-qr', 'data-link': link },
        qrSvg(link, `QR code of booking ${r.bookingId}, for the counter`),
        h('figcaption', { class: 'small muted' }, `Show this at the counter (booking ${r.bookingId}).`));
      dl.after(qr);
    } else if (qr && r.ticketStatus !== 'Waiting') {
      qr.remove();
      qr = null;
    }
    if (!canceled && !printed) {
      if (!cancel) {
        cancel = h('button', { type: 'button', class: 'secondary', 'data-action': 'cancel',
          onclick: () => doCancel(r.bookingId) }, `Cancel booking ${r.bookingId}`);
        actions.append(cancel);
      }
    } else if (cancel) {
      cancel.remove();
      cancel = null;
    }
    if (printed && !canceled && r.reviewId) {
      if (!review) {
        review = reviewForm(r);
        actions.append(review.node);
      }
      review.update(r);
    }
  };

  const doCancel = async (bookingId) => {
    if (!window.confirm(`Cancel booking ${bookingId}? The payment is refunded.`)) return;
    cancel.disabled = true;
    const r = await call('DELETE', `/books/${bookingId}`);
    message.textContent = r.ok ? 'Canceled; the payment is refunded.' : `Not canceled: ${r.problem.detail}`;
    if (cancel) cancel.disabled = false;
  };
  return { node, update };
}

function reviewForm(row) {
  const id = `r${row.reviewId}`;
  const score = h('input', { id: `${id}-score`, name: 'score', type: 'number', min: 0, max: 10, step: 1,
    required: true, 'aria-describedby': `${id}-score-error` });
  const contents = h('textarea', { id: `${id}-contents`, name: 'contents', rows: 3,
    'aria-describedby': `${id}-contents-count ${id}-contents-error` });
  const count = h('span', { class: 'muted small', id: `${id}-contents-count` }, '0 / 2000');
  contents.addEventListener('input', () => { count.textContent = `${[...contents.value].length} / 2000`; });
  const errors = { score: h('span', { class: 'field-error', id: `${id}-score-error` }),
    contents: h('span', { class: 'field-error', id: `${id}-contents-error` }) };
  const result = h('p', { role: 'status', class: 'small' });
  const heading = h('h3', {}, 'Write your review');
  let filled = false;
  const form = h('form', { class: 'review', 'data-review': row.reviewId, novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    for (const el of Object.values(errors)) el.textContent = '';
    score.removeAttribute('aria-invalid');
    contents.removeAttribute('aria-invalid');
    result.textContent = 'Sending…';
    const r = await call('PATCH', `/reviews/${row.reviewId}`,
      { score: score.value === '' ? null : Number(score.value), contents: contents.value });
    if (r.ok) {
      result.textContent = 'Thank you: your review is saved.';
      return;
    }
    result.textContent = `Not saved: ${r.problem.detail}`;
    for (const { field, message } of r.problem.errors) {
      const input = field === 'score' ? score : field === 'contents' ? contents : null;
      if (!input) continue;
      errors[field].textContent = message;
      input.setAttribute('aria-invalid', 'true');
    }
    form.querySelector('[aria-invalid=true]')?.focus();
  } },
  heading,
  h('div', { class: 'field' }, h('label', { for: score.id }, 'Score (0–10)'), score, errors.score),
  h('div', { class: 'field' }, h('label', { for: contents.id }, 'Your review'), contents, count, errors.contents),
  h('button', { type: 'submit' }, 'Save review'), result);
  return {
    node: form,
    update(r) {
      heading.textContent = r.reviewStatus === 'Written' ? 'Change your review' : 'Write your review';
      if (!filled && r.reviewStatus === 'Written') {
        filled = true;
        score.value = r.score ?? '';
        contents.value = r.contents ?? '';
        count.textContent = `${[...contents.value].length} / 2000`;
      }
    },
  };
}

