// Movies and their screenings, from the public catalogue (GET /screenings).
import { call, items } from '../api.js';
import { h, money, when } from '../dom.js';

export function renderCatalogue(main) {
  const list = h('div', { 'aria-live': 'polite' }, h('p', { class: 'muted' }, 'Loading screenings…'));
  main.append(h('h1', {}, 'Movies and screenings'), list);
  let alive = true;
  load(list, () => alive);
  return () => { alive = false; };
}

async function load(list, alive) {
  const screenings = [];
  for (let page = 0; page < 10; ++page) {
    const r = await call('GET', `/screenings?size=1000&page=${page}`);
    if (!r.ok) {
      list.replaceChildren(h('p', { class: 'error', role: 'alert' }, `Cannot load the catalogue: ${r.problem.detail}`));
      return;
    }
    screenings.push(...items(r.body, 'screenings'));
    if (page + 1 >= (r.body.page?.totalPages ?? 1)) break;
  }
  if (!alive()) return;
  const now = Date.now();
  const upcoming = screenings.filter((s) => Date.parse(s.startsAt) > now)
    .sort((a, b) => a.startsAt.localeCompare(b.startsAt));
  if (upcoming.length === 0) {
    list.replaceChildren(h('p', {}, 'No screenings are open for booking.'));
    return;
  }
  const byMovie = new Map();
  for (const s of upcoming) {
    if (!byMovie.has(s.movieTitle)) byMovie.set(s.movieTitle, []);
    byMovie.get(s.movieTitle).push(s);
  }
  list.replaceChildren(...[...byMovie].map(([title, shows]) => h('section', { class: 'card movie' },
    h('h2', {}, title),
    h('ul', { class: 'screenings' }, shows.map((s) => h('li', {},
      h('a', { href: `#/screenings/${s.id}`, class: 'screening',
        'aria-label': `${title}, ${when(s.startsAt)}, ${s.screenName}, ${money(s.price)} per seat` },
      h('span', { class: 'time' }, when(s.startsAt)),
      h('span', { class: 'muted' }, s.screenName),
      h('span', {}, money(s.price)))))))));
}
