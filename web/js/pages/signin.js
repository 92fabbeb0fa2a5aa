// Sign-in: with --auth jwt a token is pasted (minted by the identity provider, or locally with
// `movie-booking token --sub alice`); with --auth off a customer id is enough.
import { authMode, customerName, session, signIn, signOut, tokenSubject } from '../api.js';
import { h } from '../dom.js';

export function renderSignIn(main) {
  const status = h('p', { role: 'status', id: 'signin-status' });
  const body = h('div', {}, h('p', { class: 'muted' }, 'Checking how this server signs in…'));
  main.append(h('h1', {}, 'Sign in'), status, body);
  const current = session();
  if (current) {
    status.textContent = `Signed in as ${customerName() || '(token without sub)'}.`;
  }
  let alive = true;
  authMode().then((mode) => {
    if (!alive) return;
    body.replaceChildren(mode === 'jwt' ? tokenForm(status) : customerForm(status),
      current ? h('button', { type: 'button', class: 'secondary', onclick: () => {
        signOut();
        status.textContent = 'Signed out.';
      } }, 'Sign out') : null);
  });
  return () => { alive = false; };
}

function tokenForm(status) {
  const input = h('textarea', { id: 'token', name: 'token', rows: 4, required: true,
    autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'token-help' });
  const error = h('p', { class: 'error', id: 'token-error', role: 'alert' });
  return h('form', { class: 'card', onsubmit: (e) => {
    e.preventDefault();
    const token = input.value.trim();
    if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token)) {
      error.textContent = 'That is not a JWT (three base64url parts separated by dots).';
      return;
    }
    error.textContent = '';
    signIn({ mode: 'jwt', token });
    status.textContent = `Signed in as ${tokenSubject(token) || '(token without sub)'}.`;
    location.hash = '#/';
  } },
  h('p', { id: 'token-help' }, 'This server checks bearer tokens. Paste yours; for a local test mint one with ',
    h('code', {}, 'movie-booking token --sub alice --role customer'), ' (staff at the counter: ',
    h('code', {}, '--role staff'), ').'),
  h('label', { for: 'token' }, 'Token'), input, error,
  h('button', { type: 'submit' }, 'Sign in'));
}

function customerForm(status) {
  const input = h('input', { id: 'customer-id', name: 'customerId', required: true,
    autocomplete: 'username', pattern: '[A-Za-z0-9._@\\-]{1,64}', 'aria-describedby': 'customer-help',
    value: session()?.customerId ?? '' });
  return h('form', { class: 'card', onsubmit: (e) => {
    e.preventDefault();
    if (!input.reportValidity()) return;
    signIn({ mode: 'off', customerId: input.value.trim() });
    status.textContent = `Signed in as ${input.value.trim()}.`;
    location.hash = '#/';
  } },
  h('p', { id: 'customer-help' }, 'This server runs without tokens (--auth off, the local demo): ',
    'say who you are. 1–64 of A–Z a–z 0–9 . _ @ -'),
  h('label', { for: 'customer-id' }, 'Customer id'), input,
  h('button', { type: 'submit' }, 'Sign in'));
}
