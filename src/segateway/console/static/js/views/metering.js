// Metering: the demand and summation of every meter in engineering units, polled with
// get_metering_reading, charted as they come (history kept while the page is open).

import { rpc } from "../api.js";
import { el, fill, showError, zigbeeTime } from "../dom.js";
import { lineChart } from "../charts.js";

const POLL_MS = 5000;
const HISTORY = 360;

export function meteringView() {
  const meters = el("div", { class: "meters", "data-testid": "meters" });
  const note = el("p", { class: "summary" });
  const history = new Map(); // address -> {demand: [], summation: [], last}
  let timer = null;
  let busy = false;

  async function poll(refresh = false) {
    if (busy) return;
    busy = true;
    try {
      const document = await rpc("get_metering_reading", refresh ? { refresh: true } : {});
      const records = document.params.record_list || [];
      const now = new Date();
      for (const r of records) {
        const h = history.get(r.source_address) || { demand: [], summation: [], last: null };
        const demand = Number.parseFloat(r.instantaneous_demand);
        const summation = Number.parseFloat(r.summation_delivered);
        if (!Number.isNaN(demand)) h.demand.push({ t: now, v: demand });
        if (!Number.isNaN(summation)) h.summation.push({ t: now, v: summation });
        for (const series of [h.demand, h.summation]) while (series.length > HISTORY) series.shift();
        h.last = r;
        history.set(r.source_address, h);
      }
      fill(note, `${records.length} meter(s) · polled ${now.toLocaleTimeString()} every ${POLL_MS / 1000} s`);
      render();
    } catch (error) {
      showError(error, note);
    } finally {
      busy = false;
    }
  }

  function render() {
    fill(meters, [...history.entries()].map(([address, h]) => {
      const r = h.last;
      return el("article", { class: "card meter", "data-meter": address },
        el("h3", {}, `Meter ${address} (endpoint ${r.source_endpoint_id})`),
        el("dl", {},
          el("dt", {}, "Demand"), el("dd", { "data-testid": "demand" }, `${r.instantaneous_demand ?? "—"} ${r.demand_unit ?? ""}`),
          el("dt", {}, "Summation delivered"), el("dd", { "data-testid": "summation" }, `${r.summation_delivered ?? "—"} ${r.summation_unit ?? ""}`),
          el("dt", {}, "Updated"), el("dd", {}, `demand ${zigbeeTime(r.demand_time)} (${r.demand_mode}), summation ${zigbeeTime(r.summation_time)} (${r.summation_mode})`)),
        el("div", { class: "charts" },
          el("figure", {}, el("figcaption", {}, "Instantaneous demand"),
            lineChart(h.demand, { label: "demand", unit: r.demand_unit || "", testid: "demand-chart" })),
          el("figure", {}, el("figcaption", {}, "Summation delivered"),
            lineChart(h.summation, { label: "summation", unit: r.summation_unit || "", testid: "summation-chart" }))));
    }));
    if (!history.size) fill(meters, el("p", { class: "empty" }, "No meter known yet."));
  }

  const refreshButton = el("button", { type: "button", onclick: () => poll(true) }, "Read meters now");
  return {
    node: el("section", {}, el("h2", {}, "Metering"), note, refreshButton, meters),
    activate() {
      poll();
      timer = setInterval(poll, POLL_MS);
    },
    deactivate() {
      clearInterval(timer);
    },
  };
}
