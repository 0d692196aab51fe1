// Network: the devices the gateway knows and an SVG diagram of the network drawn from the
// neighbour tables (the gateway's, and each router's via get_neighbor_table), updated live.

import { rpc } from "../api.js";
import { el, fill, hex, clusterName, NODE_TYPES, DISCOVERY, showError } from "../dom.js";
import { subscribe } from "../events.js";

const REFRESH_MS = 5000;
const TABLE_MS = 30000;
const LIVE_EVENTS = new Set(["device_status", "message"]);

export function networkView(ctx) {
  const summary = el("p", { class: "summary", "data-testid": "network-summary" });
  const diagram = el("div", { class: "diagram", "data-testid": "network-diagram" });
  const table = el("div", { class: "devices" });
  const refreshButton = el("button", { type: "button", onclick: () => refresh() }, "Refresh");
  const node = el("section", {},
    el("h2", {}, "Network"), summary, refreshButton,
    el("div", { class: "columns" }, el("div", {}, el("h3", {}, "Diagram"), diagram),
      el("div", { class: "grow" }, el("h3", {}, "Devices"), table)));
  const hasNeighborTable = ctx.catalog.requests.some((r) => r.name === "get_neighbor_table");
  let timer = null;
  let pending = null;
  let unsubscribe = null;
  let busy = false;
  let readingTables = false;
  let last = null; // the latest {net, records}
  const tables = new Map(); // router EUI-64 -> {at, neighbors}

  async function refresh() {
    if (busy) return;
    busy = true;
    try {
      const [network, devices] = await Promise.all([
        rpc("get_network_information"),
        rpc("get_device_information"),
      ]);
      last = { net: network.params, records: devices.params.record_list || [] };
      render(last.net, last.records, neighbourLinks(last.net, last.records));
    } catch (error) {
      showError(error, summary);
      return;
    } finally {
      busy = false;
    }
    // the routers' tables take network round trips (a silent router: the 10 s timeout): the
    // devices table does not wait for them; the diagram is redrawn when they come
    if (!hasNeighborTable || readingTables) return;
    readingTables = true;
    try {
      if (await readRouterTables(last.records)) {
        fill(diagram, drawDiagram(last.net, last.records, neighbourLinks(last.net, last.records)));
      }
    } finally {
      readingTables = false;
    }
  }

  function neighbourLinks(net, records) {
    const links = new Map();
    const add = (a, b, lqi) => {
      if (!a || !b) return;
      const key = [a, b].sort().join("|");
      const old = links.get(key);
      links.set(key, { a, b, lqi: old ? Math.min(old.lqi, lqi) : lqi });
    };
    for (const n of net.neighbor_list || []) {
      if (n.relationship !== "unauthenticated_child") add(net.eui, n.addr_extended, n.lqi);
    }
    for (const r of records) {
      if (r.node_type !== 1 || !r.active) continue;
      for (const n of tables.get(r.addr_extended)?.neighbors || []) add(r.addr_extended, n.addr_extended, n.lqi);
    }
    return [...links.values()];
  }

  /** Ask the active routers whose table is older than TABLE_MS (ZDO Mgmt_Lqi, in parallel),
   * so that watching the page does not load the network; true when a table came. */
  async function readRouterTables(records) {
    const now = Date.now();
    const stale = records.filter((r) => r.node_type === 1 && r.active
      && !(tables.get(r.addr_extended)?.at > now - TABLE_MS));
    const results = await Promise.allSettled(stale.map((r) =>
      rpc("get_neighbor_table", { destination_address: r.addr_extended })));
    let got = false;
    results.forEach((result, i) => {
      if (result.status === "fulfilled") {
        // a status other than 0x00 (no answer …): no links from it until it is asked again
        tables.set(stale[i].addr_extended, { at: now, neighbors: result.value.params?.neighbor_list || [] });
        got = true;
      } else {
        showError(result.reason);
      }
    });
    return got;
  }

  function render(net, records, links) {
    const lqiOf = new Map((net.neighbor_list || []).map((n) => [n.addr_extended, n.lqi]));
    fill(summary,
      `${net.eui} · ${NODE_TYPES[net.node_type] || net.node_type} · ${net.network_state} · channel ${net.channel} · PAN ${hex(net.pan_id, 4)} · `,
      el("span", { "data-testid": "permit-joining" },
        net.permit_joining ? `joining open (${net.permit_joining} s)` : "joining closed"),
      ` · ${records.length} devices`);
    fill(table, el("table", {},
      el("thead", {}, el("tr", {}, ["EUI-64", "short", "node type", "state", "discovery",
        "endpoints and clusters", "LQI"].map((h) => el("th", {}, h)))),
      el("tbody", {}, records.map((r) => el("tr", {
        "data-eui": r.addr_extended, class: r.active ? "active" : "inactive",
      },
      el("td", { class: "mono" }, r.addr_extended),
      el("td", { class: "mono" }, r.addr_short || "—"),
      el("td", {}, NODE_TYPES[r.node_type] ?? String(r.node_type)),
      el("td", { class: "state" }, r.active ? "active" : "inactive"),
      el("td", {}, DISCOVERY[r.discovery_status] ?? String(r.discovery_status)),
      el("td", {}, endpoints(r)),
      el("td", {}, r.addr_extended === net.eui ? "—" : (lqiOf.get(r.addr_extended) ?? "—")))))));
    fill(diagram, drawDiagram(net, records, links));
  }

  function schedule() {
    if (pending) return;
    pending = setTimeout(() => {
      pending = null;
      refresh();
    }, 400);
  }

  return {
    node,
    activate() {
      refresh();
      timer = setInterval(refresh, REFRESH_MS);
      unsubscribe = subscribe((item) => {
        if (item.name === "device_status") tables.clear();
        if (LIVE_EVENTS.has(item.name)) schedule();
      });
    },
    deactivate() {
      clearInterval(timer);
      clearTimeout(pending);
      pending = null;
      if (unsubscribe) unsubscribe();
    },
  };
}

function endpoints(record) {
  const descriptors = Object.values(record.simple_descriptors || {});
  if (!descriptors.length) {
    return (record.active_endpoints || []).length
      ? `endpoints ${record.active_endpoints.map((e) => hex(e)).join(", ")}`
      : "—";
  }
  return descriptors.map((d) => el("div", { class: "endpoint" },
    el("strong", {}, `${hex(d.endpoint_id)} `), `device ${hex(d.device_id, 4)} `,
    el("span", { class: "clusters" },
      (d.input_cluster_list || []).map((c) => el("span", { class: "cluster server", title: "server" }, clusterName(c))),
      (d.output_cluster_list || []).map((c) => el("span", { class: "cluster client", title: "client" }, clusterName(c))))));
}

const SIZE = 420;

/** Coordinator in the middle, routers on a ring, end devices on an outer ring; links by LQI. */
function drawDiagram(net, records, links) {
  const cx = SIZE / 2;
  const cy = SIZE / 2;
  const positions = new Map();
  const coordinator = records.find((r) => r.node_type === 0) || { addr_extended: net.eui, node_type: 0, active: true };
  positions.set(coordinator.addr_extended, [cx, cy]);
  const others = records.filter((r) => r !== coordinator);
  const ring = (list, radius, offset) => list.forEach((r, i) => {
    const angle = offset + (2 * Math.PI * i) / Math.max(list.length, 1);
    positions.set(r.addr_extended, [cx + radius * Math.cos(angle), cy + radius * Math.sin(angle)]);
  });
  ring(others.filter((r) => r.node_type !== 2), 120, -Math.PI / 2);
  ring(others.filter((r) => r.node_type === 2), 180, -Math.PI / 2 + 0.3);
  const svg = el("svg", { viewBox: `0 0 ${SIZE} ${SIZE}`, class: "network", role: "img",
    "aria-label": "Network diagram" });
  for (const link of links) {
    const a = positions.get(link.a);
    const b = positions.get(link.b);
    if (!a || !b) continue;
    const quality = link.lqi >= 200 ? "good" : link.lqi >= 100 ? "fair" : "poor";
    // a link between two routers bends away from the middle, so that it does not run over the
    // coordinator or the other links
    const direct = link.a === coordinator.addr_extended || link.b === coordinator.addr_extended;
    const [mx, my] = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
    const [dx, dy] = [b[0] - a[0], b[1] - a[1]];
    const bend = direct ? 0 : 0.3;
    const [qx, qy] = [mx - dy * bend, my + dx * bend];
    const [lx, ly] = direct ? [mx, my - 4] : [(mx + qx) / 2, (my + qy) / 2];
    svg.append(el("g", { class: `link ${quality}${direct ? "" : " mesh"}`, "data-link": [link.a, link.b].sort().join("|") },
      el("path", { d: `M${a[0]},${a[1]} Q${qx},${qy} ${b[0]},${b[1]}`, "stroke-width": 1 + link.lqi / 64 }),
      el("text", { x: lx, y: ly, "text-anchor": "middle", class: "lqi" }, `LQI ${link.lqi}`)));
  }
  for (const r of [coordinator, ...others]) {
    const [x, y] = positions.get(r.addr_extended);
    const kind = r.node_type === 0 ? "coordinator" : r.node_type === 2 ? "end-device" : "router";
    const shape = r.node_type === 0
      ? el("rect", { x: x - 14, y: y - 14, width: 28, height: 28, rx: 4 })
      : r.node_type === 2 ? el("circle", { cx: x, cy: y, r: 9 }) : el("circle", { cx: x, cy: y, r: 13 });
    svg.append(el("g", { class: `node ${kind} ${r.active ? "active" : "inactive"}`, "data-node": r.addr_extended },
      shape,
      el("title", {}, `${r.addr_extended} (${NODE_TYPES[r.node_type] || "unknown"}, ${r.active ? "active" : "inactive"})`),
      el("text", { x, y: y + 28, "text-anchor": "middle" }, r.addr_extended.slice(-8))));
  }
  return svg;
}
