// The counter (staff): look a booking up by its number (typed, or scanned from the QR code on
// My page) and print its ticket
// (PATCH /tickets/{id} {"status":"Printed"}). A 503 "print again shortly" is shown with the
// Retry-After countdown, and the print button waits for it.
import { call, items } from '../api.js';
import { h, money } from '../dom.js';

/** The booking number in what was typed or scanned: "12", or a My page QR code's link
 * (".../#/counter/12", which a keyboard-wedge scanner types in full). */
export function bookingNumber(text) {
  const m = /^\s*(?:\S*#\/counter\/)?(\d{1,15})\s*$/.exec(text);
  return m ? m[1] : null;
}

export function renderCounter(main, [preset] = []) {
  const error = h('span', { class: 'field-error', id: 'booking-id-error' });
  const input = h('input', { id: 'booking-id', name: 'bookingId', required: true, autocomplete: 'off',
    'aria-describedby': 'booking-id-help booking-id-error' });
  const result = h('div', { id: 'counter-result', 'aria-live': 'polite' });
  let timer = null;
  const stop = () => { if (timer) clearInterval(timer); timer = null; };
  const lookUp = async (e) => {
    e?.preventDefault();
    stop();
    const id = bookingNumber(input.value);
    error.textContent = id ? '' : 'Enter a booking number, or scan the QR code on My page.';
    input.setAttribute('aria-invalid', id ? 'false' : 'true');
    if (!id) return;
    input.value = id;
    result.replaceChildren(h('p', { class: 'muted' }, 'Looking up…'));
    const [booking, tickets] = await Promise.all([call('GET', `/books/${id}`),
      call('GET', `/tickets/search/findByBookingId?bookingId=${id}`)]);
    if (!booking.ok) {
      result.replaceChildren(h('p', { class: 'error', role: 'alert' },
        booking.status === 404 ? `No booking ${id}.` : `Cannot look it up: ${booking.problem.detail}`));
      return;
    }
    const ticket = items(tickets.body, 'tickets')[0];
    result.replaceChildren(ticketCard(booking.body, ticket, lookUp, (t) => { stop(); timer = t; }));
  };
  main.append(h('h1', {}, 'Counter'),
    h('form', { class: 'card', onsubmit: lookUp },
      h('label', { for: 'booking-id' }, 'Booking number'),
      h('span', { class: 'muted small', id: 'booking-id-help' }, 'Type it, or scan the QR code on the customer\'s My page.'),
      input, error,
      h('button', { type: 'submit' }, 'Look up')),
    result);
  if (preset) {
    input.value = preset;
    lookUp();
  }
  return stop;
}

function ticketCard(b, ticket, reload, setTimer) {
  const message = h('div', { id: 'print-message', role: 'status' });
  const print = h('button', { type: 'button', id: 'print' }, 'Print ticket');
  const printable = ticket && ticket.status === 'Waiting';
  print.disabled = !printable;
  print.addEventListener('click', async () => {
    print.disabled = true;
    message.replaceChildren(h('p', {}, 'Printing…'));
    const r = await call('PATCH', `/tickets/${ticket.id}`, { status: 'Printed' });
    if (r.ok) {
      message.replaceChildren(h('p', { class: 'ok' }, `Printed: ticket ${ticket.id}, seats ${b.seat}.`));
      return;
    }
    if (r.status === 503) {
      let left = Math.max(1, Number(r.headers.get('Retry-After')) || 1);
      const countdown = h('strong', { id: 'retry-after' }, String(left));
      message.replaceChildren(h('p', { class: 'warn' }, 'The printer is busy — print again shortly: ',
        countdown, ' s'));
      setTimer(setInterval(() => {
        left -= 1;
        countdown.textContent = String(Math.max(0, left));
        if (left <= 0) {
          setTimer(null);
          print.disabled = false;
          message.replaceChildren(h('p', {}, 'Ready: print again.'));
        }
      }, 1000));
      return;
    }
    message.replaceChildren(h('p', { class: 'error', role: 'alert' }, `Not printed: ${r.problem.detail}`));
    print.disabled = r.status !== 409;
  });
  return h('section', { class: 'card', 'data-booking': b.id },
    h('h2', {}, `Booking ${b.id} · ${b.movieName}`),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Customer'), h('dd', {}, b.customerId),
      h('dt', {}, 'Seats'), h('dd', {}, b.seat),
      h('dt', {}, 'Paid'), h('dd', {}, money(b.totalPrice)),
      h('dt', {}, 'Booking'), h('dd', {}, b.status),
      h('dt', {}, 'Ticket'), h('dd', { id: 'ticket-status' }, ticket ? ticket.status : 'not issued yet')),
    ticket ? null : h('p', {}, h('button', { type: 'button', class: 'secondary', onclick: reload }, 'Look again')),
    print, message);
}

