// A small SVG line chart (no library): time on x, one series on y, with axis labels.

import { el } from "./dom.js";

const W = 520;
const H = 180;
const PAD = { left: 56, right: 12, top: 12, bottom: 28 };

function niceRange(low, high) {
  if (low === high) {
    const d = Math.abs(low) * 0.1 || 1;
    return [low - d, high + d];
  }
  const margin = (high - low) * 0.1;
  return [low - margin, high + margin];
}

/** points: [{t: Date, v: number}], at least one. */
export function lineChart(points, { label = "", unit = "", testid = "" } = {}) {
  const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img",
    "aria-label": `${label} (${unit})`, "data-testid": testid || undefined, "data-points": points.length });
  if (!points.length) {
    svg.append(el("text", { x: W / 2, y: H / 2, "text-anchor": "middle", class: "axis" }, "no data yet"));
    return svg;
  }
  const t0 = points[0].t.getTime();
  const t1 = Math.max(points[points.length - 1].t.getTime(), t0 + 1000);
  const values = points.map((p) => p.v);
  const [v0, v1] = niceRange(Math.min(...values), Math.max(...values));
  const x = (t) => PAD.left + ((t.getTime() - t0) / (t1 - t0)) * (W - PAD.left - PAD.right);
  const y = (v) => H - PAD.bottom - ((v - v0) / (v1 - v0)) * (H - PAD.top - PAD.bottom);
  const g = el("g");
  for (let i = 0; i <= 4; i++) {
    const v = v0 + ((v1 - v0) * i) / 4;
    g.append(el("line", { x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v), class: "grid" }));
    g.append(el("text", { x: PAD.left - 6, y: y(v) + 4, "text-anchor": "end", class: "axis" },
      formatNumber(v)));
  }
  g.append(el("text", { x: PAD.left, y: H - 8, class: "axis" }, points[0].t.toLocaleTimeString()));
  g.append(el("text", { x: W - PAD.right, y: H - 8, "text-anchor": "end", class: "axis" },
    points[points.length - 1].t.toLocaleTimeString()));
  g.append(el("text", { x: 4, y: PAD.top + 2, class: "axis unit" }, unit));
  const path = points.map((p, i) => `${i ? "L" : "M"}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(" ");
  g.append(el("path", { d: path, class: "series" }));
  const last = points[points.length - 1];
  g.append(el("circle", { cx: x(last.t), cy: y(last.v), r: 3, class: "series-dot" },
    el("title", {}, `${formatNumber(last.v)} ${unit} at ${last.t.toLocaleTimeString()}`)));
  svg.append(g);
  return svg;
}

export function formatNumber(v) {
  const a = Math.abs(v);
  if (a >= 1000) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  return v.toFixed(3).replace(/\.?0+$/, "") || "0";
}
