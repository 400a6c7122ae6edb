// The wallboard's last-hour chart: work waiting and service level per
// minute, drawn as inline SVG from GET /api/tenants/{t}/history. No
// library and no fetch of its own: the page hands it the history.
"use strict";
const CHART_W = 600, CHART_H = 160, PAD_L = 36, PAD_R = 40, PAD_T = 10, PAD_B = 22;
const HOUR_MS = 3600000;

// Draws `h` ({now, minutes: [{minute, waiting, service_level}]}) into `el`.
function renderChart(el, h) {
  const x0 = h.now - HOUR_MS;
  const w = CHART_W - PAD_L - PAD_R, ht = CHART_H - PAD_T - PAD_B;
  const x = t => PAD_L + w * Math.max(0, Math.min(1, (t - x0) / HOUR_MS));
  const kept = h.minutes.filter(m => m.minute + 60000 > x0);
  const maxWaiting = Math.max(1, ...kept.map(m => m.waiting || 0));
  const yWaiting = n => PAD_T + ht * (1 - n / maxWaiting);
  const ySl = f => PAD_T + ht * (1 - f);
  // A minute nobody sampled breaks the line rather than reading as zero.
  const path = (pick, y) => {
    let d = "", open = false;
    for (const m of kept) {
      const v = pick(m);
      if (v == null) { open = false; continue; }
      d += (open ? " L" : " M") + x(m.minute + 30000).toFixed(1) + "," + y(v).toFixed(1);
      open = true;
    }
    return d.trim();
  };
  const waiting = path(m => m.waiting, yWaiting);
  const sl = path(m => m.service_level, ySl);
  const ticks = [60, 45, 30, 15, 0].map(ago => {
    const tx = x(h.now - ago * 60000).toFixed(1);
    return `<line x1="${tx}" x2="${tx}" y1="${PAD_T}" y2="${PAD_T + ht}" class="grid"/>` +
      `<text x="${tx}" y="${CHART_H - 6}" text-anchor="middle">${ago ? "-" + ago + " min" : "now"}</text>`;
  }).join("");
  el.innerHTML =
    `<svg viewBox="0 0 ${CHART_W} ${CHART_H}" role="img" aria-label="waiting work and service level, last hour">` +
    ticks +
    `<text x="${PAD_L - 4}" y="${PAD_T + 8}" text-anchor="end" class="waiting">${maxWaiting}</text>` +
    `<text x="${PAD_L - 4}" y="${PAD_T + ht}" text-anchor="end" class="waiting">0</text>` +
    `<text x="${CHART_W - PAD_R + 4}" y="${PAD_T + 8}" class="sl">100%</text>` +
    `<text x="${CHART_W - PAD_R + 4}" y="${PAD_T + ht}" class="sl">0%</text>` +
    `<path class="waiting" data-points="${kept.filter(m => m.waiting != null).length}" d="${waiting}"/>` +
    `<path class="sl" data-points="${kept.filter(m => m.service_level != null).length}" d="${sl}"/>` +
    `</svg>`;
}
