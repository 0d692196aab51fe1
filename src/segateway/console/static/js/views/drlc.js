// DRLC: create and cancel load control events; the per-device timeline of the Report Event
// Status commands the devices send (received_report_event_status).

import { rpc } from "../api.js";
import { el, fill, guard, hex, showError, zigbeeTime } from "../dom.js";
import { events, subscribe } from "../events.js";
import { freshId, recordTable, requestForm } from "../se.js";
import { showResult } from "../result.js";

export const EVENT_STATUS = {
  0x01: "received", 0x02: "started", 0x03: "completed", 0x04: "opted out", 0x05: "opted in",
  0x06: "cancelled", 0x07: "superseded", 0x08: "partially opted out", 0x09: "partially opted in",
  0x0a: "completed, no user participation", 0xf8: "rejected: invalid cancel command",
  0xf9: "rejected: invalid cancel effective time", 0xfb: "rejected: event expired",
  0xfd: "rejected: undefined event", 0xfe: "rejected",
};
const statusText = (code) => `${hex(code)} ${EVENT_STATUS[code] || "status"}`;

export function drlcView(ctx) {
  const list = el("div", { "data-testid": "drlc-list" });
  const actionResult = el("div", { class: "result", "data-testid": "drlc-action-result" });
  const timeline = el("div", { class: "timeline", "data-testid": "drlc-timeline" });
  const { form, result } = requestForm(ctx, "create_DRLC_event", {
    id: "create-drlc",
    submit: "Create event",
    values: () => ({ record: { issuer_event_id: freshId(), duration_in_minutes: 1, criticality_level: 1, event_control: 0, start_time: 0 } }),
    onDone: () => load(),
  });
  const cancelAll = el("button", { type: "button", class: "danger", onclick: (event) => guard(event.target, async () => {
    showResult(actionResult, await rpc("cancel_all_DRLC_events", { cancel_control: 0 }));
    load();
  }, actionResult) }, "Cancel all events");
  let unsubscribe = null;

  async function cancel(button, id) {
    await guard(button, async () => {
      const document = await rpc("cancel_DRLC_event", { record: { issuer_event_id: id, cancel_control: 0, effective_time: 0 } });
      showResult(actionResult, document);
      load();
    }, actionResult);
  }

  async function load() {
    try {
      const document = await rpc("get_DRLC_events", { server_or_client: 0 });
      fill(list, recordTable(document.params.events_record_list || [], [
        ["issuer event id", (e) => e.issuer_event_id],
        ["start", (e) => zigbeeTime(e.start_time)],
        ["minutes", (e) => e.duration_in_minutes],
        ["device class", (e) => hex(e.device_class, 4)],
        ["criticality", (e) => e.criticality_level],
        ["", (e) => el("button", { type: "button", class: "danger", "data-cancel": e.issuer_event_id,
          onclick: (event) => cancel(event.target, e.issuer_event_id) }, "Cancel")],
      ], { rowAttrs: (e) => ({ "data-event": e.issuer_event_id }), empty: "No events." }));
    } catch (error) {
      showError(error, list);
    }
  }

  function renderTimeline() {
    const reports = events("received_report_event_status").map((i) => i.document.params);
    if (!reports.length) {
      fill(timeline, el("p", { class: "empty" }, "No Report Event Status yet."));
      return;
    }
    const devices = [...new Set(reports.map((r) => r.source_address))].sort();
    const times = reports.map((r) => r.record.event_status_time);
    const t0 = Math.min(...times);
    const t1 = Math.max(...times, t0 + 60);
    fill(timeline, drawTimeline(devices, reports, t0, t1),
      devices.map((device) => el("div", { class: "device-reports", "data-device": device },
        el("h4", {}, device),
        el("ol", {}, reports.filter((r) => r.source_address === device).map((r) =>
          el("li", { "data-event": r.record.issuer_event_id, "data-status": hex(r.record.event_status) },
            el("time", {}, zigbeeTime(r.record.event_status_time)), ` event ${r.record.issuer_event_id}: `,
            el("strong", {}, statusText(r.record.event_status)),
            ` (criticality ${r.record.criticality_level_applied})`))))));
  }

  return {
    node: el("section", {}, el("h2", {}, "Demand response and load control"),
      el("div", { class: "columns" },
        el("div", { class: "grow" }, el("h3", {}, "Events of the DRLC server"), list, cancelAll, actionResult,
          el("h3", {}, "Report Event Status, per device"), timeline),
        el("div", { class: "side" }, el("h3", {}, "Create an event"), form, result))),
    activate() {
      load();
      renderTimeline();
      unsubscribe = subscribe((item) => {
        if (item.name === "received_report_event_status") {
          renderTimeline();
          load();
        }
      });
    },
    deactivate() {
      if (unsubscribe) unsubscribe();
    },
  };
}

function drawTimeline(devices, reports, t0, t1) {
  const W = 640;
  const lane = 44;
  const left = 150;
  const H = 30 + lane * devices.length;
  const x = (t) => left + ((t - t0) / (t1 - t0)) * (W - left - 20);
  const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart timeline-chart", role: "img",
    "aria-label": "Report Event Status timeline" });
  svg.append(el("text", { x: left, y: H - 6, class: "axis" }, zigbeeTime(t0)));
  svg.append(el("text", { x: W - 20, y: H - 6, "text-anchor": "end", class: "axis" }, zigbeeTime(t1)));
  devices.forEach((device, i) => {
    const y = 18 + i * lane;
    svg.append(el("text", { x: 4, y: y + 4, class: "axis" }, device.slice(-11)));
    svg.append(el("line", { x1: left, x2: W - 20, y1: y, y2: y, class: "grid" }));
    reports.filter((rep) => rep.source_address === device).forEach((r, k) => {
      const cx = x(r.record.event_status_time);
      const labelY = k % 2 ? y + 16 : y - 9; // alternate sides: close statuses stay readable
      const kind = r.record.event_status >= 0xf8 ? "rejected" : `s${r.record.event_status}`;
      svg.append(el("g", { class: `mark ${kind}` },
        el("circle", { cx, cy: y, r: 6 }),
        el("title", {}, `event ${r.record.issuer_event_id}: ${statusText(r.record.event_status)} at ${zigbeeTime(r.record.event_status_time)}`),
        el("text", { x: cx, y: labelY, "text-anchor": "middle", class: "axis" }, EVENT_STATUS[r.record.event_status] || hex(r.record.event_status))));
    });
  });
  return svg;
}
