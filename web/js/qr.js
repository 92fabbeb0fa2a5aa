// A QR code as an SVG element, from the vendored qrcode-generator (web/vendor/, MIT): built
// with DOM calls (no markup string is parsed), one path of 1×1 squares, a 4-module quiet zone.
import { qrcode } from '../vendor/qrcode-generator-2.0.4/qrcode.mjs';

const SVG = 'http://www.w3.org/2000/svg';

/** An <svg role="img"> of `text` (error correction M), labelled `label`. */
export function qrSvg(text, label) {
  const qr = qrcode(0, 'M');
  qr.addData(text);
  qr.make();
  const n = qr.getModuleCount();
  let d = '';
  for (let r = 0; r < n; ++r) {
    for (let c = 0; c < n; ++c) {
      if (qr.isDark(r, c)) d += `M${c + 4} ${r + 4}h1v1h-1z`;
    }
  }
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${n + 8} ${n + 8}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  svg.setAttribute('class', 'qr');
  const background = document.createElementNS(SVG, 'rect');
  background.setAttribute('width', String(n + 8));
  background.setAttribute('height', String(n + 8));
  background.setAttribute('fill', '#fff');
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('d', d);
  path.setAttribute('fill', '#000');
  svg.append(background, path);
  return svg;
}
