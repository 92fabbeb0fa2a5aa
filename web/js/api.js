// The REST API as the pages use it (README "REST API"), same origin, and who is signed in.
// With --auth jwt every protected call carries the pasted token (Authorization: Bearer); with
// --auth off the customer id is sent where the API takes one (POST /books customerId, My page
// ?customerId=). The session lives in sessionStorage: one tab, gone when it closes.

const KEY = 'movie-booking.session';

/** {mode: 'jwt', token} | {mode: 'off', customerId} | null. */
export function session() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY) ?? 'null');
  } catch {
    return null;
  }
}

export function signIn(value) {
  sessionStorage.setItem(KEY, JSON.stringify(value));
  window.dispatchEvent(new Event('session'));
}

export function signOut() {
  sessionStorage.removeItem(KEY);
  window.dispatchEvent(new Event('session'));
}

/** The subject of a JWT (for display only: the server verifies it), or ''. */
export function tokenSubject(token) {
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(payload)).sub ?? '';
  } catch {
    return '';
  }
}

/** Who the page acts for: the token's sub or the customer id; '' when signed out. */
export function customerName() {
  const s = session();
  if (!s) return '';
  return s.mode === 'jwt' ? tokenSubject(s.token) : s.customerId;
}

/** The headers of an authenticated call. */
export function authHeaders() {
  const s = session();
  return s?.mode === 'jwt' ? { Authorization: `Bearer ${s.token}` } : {};
}

/** The server's auth mode: 'off' when a protected collection answers without a token. */
export async function authMode() {
  const r = await fetch('/mypages?size=1', { headers: { Accept: 'application/json' } });
  return r.status === 401 ? 'jwt' : 'off';
}

/**
 * One API call: {ok, status, body, problem, headers}. `problem` is the problem+json body of a
 * failed call ({title, detail, errors: [{field, message}]}) or a stand-in when there is none;
 * a network failure is status 0.
 */
export async function call(method, path, body) {
  const headers = { Accept: 'application/json', ...authHeaders() };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let r;
  try {
    r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store' });
  } catch (e) {
    return { ok: false, status: 0, body: null, headers: new Headers(),
      problem: { title: 'Network error', detail: 'the server cannot be reached', errors: [] } };
  }
  const text = await r.text();
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  const problem = r.ok ? null : {
    title: parsed?.title ?? r.statusText, detail: parsed?.detail ?? `HTTP ${r.status}`,
    errors: Array.isArray(parsed?.errors) ? parsed.errors : [],
  };
  return { ok: r.ok, status: r.status, body: parsed, headers: r.headers, problem };
}

/** The items of a HAL collection body. */
export function items(body, rel) {
  return body?._embedded?.[rel] ?? [];
}
