// The page's router: #/ (movies and screenings), #/screenings/{id} (seat map and payment),
// #/mypage, #/counter (#/counter/{booking id}: looked up at once, the QR code's link),
// #/signin. Each page renders into <main> and returns a cleanup (it
// closes its live streams when the customer leaves).
import { customerName, session } from './api.js';
import { renderCatalogue } from './pages/catalogue.js';
import { renderCounter } from './pages/counter.js';
import { renderMyPage } from './pages/mypage.js';
import { renderSeatMap } from './pages/seatmap.js';
import { renderSignIn } from './pages/signin.js';

const routes = [
  [/^#?\/?$/, 'catalogue', () => renderCatalogue],
  [/^#\/screenings\/(\d+)$/, 'catalogue', () => renderSeatMap],
  [/^#\/mypage$/, 'mypage', () => renderMyPage],
  [/^#\/counter(?:\/(\d+))?$/, 'counter', () => renderCounter],
  [/^#\/signin$/, 'signin', () => renderSignIn],
];

let cleanup = null;

function route() {
  const main = document.getElementById('main');
  cleanup?.();
  cleanup = null;
  const hash = location.hash || '#/';
  for (const [pattern, nav, page] of routes) {
    const m = pattern.exec(hash);
    if (!m) continue;
    for (const a of document.querySelectorAll('[data-nav]')) {
      if (a.dataset.nav === nav) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    main.replaceChildren();
    cleanup = page()(main, m.slice(1)) ?? null;
    return;
  }
  location.hash = '#/';
}

function showSession() {
  const link = document.getElementById('signin-link');
  const name = customerName();
  link.textContent = session() ? `Signed in: ${name || 'token'}` : 'Sign in';
}

window.addEventListener('hashchange', route);
window.addEventListener('session', showSession);
showSession();
route();
