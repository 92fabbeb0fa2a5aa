// A tiny DOM builder: h('button', {class: 'seat', onclick: f, 'aria-pressed': 'false'}, 'A1').
// Text children become text nodes (never HTML), so nothing the server sends is parsed as markup.

/** Creates `tag` with attributes/properties `props` and `children` (nodes, strings, arrays, null). */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value);
    } else if (key === 'class') {
      el.className = value;
    } else if (key === 'value' || key === 'checked' || key === 'disabled') {
      el[key] = value;
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces every child of `el` with `children`. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

const krw = new Intl.NumberFormat('en-US');
/** "10,000 KRW". */
export function money(amount) {
  return `${krw.format(amount)} KRW`;
}

/** "Wed, Dec 3, 19:00" in the viewer's time zone, from an ISO-8601 UTC instant. */
export function when(iso) {
  const d = new Date(iso);
  return d.toLocaleString('en-US', { weekday: 'short', month: 'short', day: 'numeric',
    hour: '2-digit', minute: '2-digit', hour12: false });
}
