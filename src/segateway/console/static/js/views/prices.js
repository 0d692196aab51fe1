// Prices: the current and scheduled prices of the gateway's Price server, a create form, and
// the price acknowledgements devices send.

import { rpc } from "../api.js";
import { el, fill, guard, showError, zigbeeTime, nowZigbee } from "../dom.js";
import { events, subscribe } from "../events.js";
import { freshId, recordTable, requestForm } from "../se.js";
import { showResult } from "../result.js";

export function pricesView(ctx) {
  const list = el("div", { "data-testid": "price-list" });
  const acks = el("ul", { class: "log", "data-testid": "price-acks" });
  const clearResult = el("div", { class: "result" });
  const { form, result } = requestForm(ctx, "create_price_event", {
    id: "create-price",
    submit: "Publish price",
    // price_control bit 0: the displays acknowledge (received_price_acknowledgement)
    values: () => ({ record: { issuer_event_id: freshId(), rate_label: "Peak", duration_in_minutes: 60, price: 25, start_time: 0, price_control: 1 } }),
    onDone: () => load(),
  });
  const clearAll = el("button", { type: "button", class: "danger", onclick: (event) => guard(event.target, async () => {
    showResult(clearResult, await rpc("cancel_all_price_events"));
    load();
  }, clearResult) }, "Clear all prices");
  let unsubscribe = null;

  async function load() {
    try {
      const document = await rpc("get_price_events", { server_or_client: 0 });
      const now = nowZigbee();
      const prices = document.params.events_record_list || [];
      const current = (p) => p.start_time <= now && (p.duration_in_minutes === 0xffff || now < p.start_time + p.duration_in_minutes * 60);
      fill(list, recordTable(prices, [
        ["", (p) => (current(p) ? "current" : "scheduled")],
        ["issuer event id", (p) => p.issuer_event_id],
        ["label", (p) => p.rate_label ?? ""],
        ["price", (p) => formatPrice(p)],
        ["tier", (p) => p.price_trailing_digit_and_price_tier & 0x0f],
        ["start", (p) => zigbeeTime(p.start_time)],
        ["minutes", (p) => (p.duration_in_minutes === 0xffff ? "until changed" : p.duration_in_minutes)],
      ], { rowAttrs: (p) => ({ class: current(p) ? "current" : "", "data-price": p.issuer_event_id }), empty: "No prices." }));
    } catch (error) {
      showError(error, list);
    }
  }

  const addAck = (item) => {
    if (item.name !== "received_price_acknowledgement") return;
    const p = item.document.params;
    const record = p.record || {};
    acks.prepend(el("li", { "data-device": p.source_address, "data-price": record.issuer_event_id ?? record.provider_id },
      el("time", {}, item.received.toLocaleTimeString()), " ", el("strong", {}, p.source_address || "?"),
      ` acknowledged ${JSON.stringify(record)}`));
  };

  return {
    node: el("section", {}, el("h2", {}, "Prices"),
      el("div", { class: "columns" },
        el("div", { class: "grow" }, el("h3", {}, "Current and scheduled"), list, clearAll, clearResult,
          el("h3", {}, "Acknowledgements"), acks),
        el("div", { class: "side" }, el("h3", {}, "Publish a price"), form, result))),
    activate() {
      load();
      fill(acks);
      events().forEach(addAck);
      unsubscribe = subscribe((item) => {
        addAck(item);
        if (item.name === "updated_active_price_event") load();
      });
    },
    deactivate() {
      if (unsubscribe) unsubscribe();
    },
  };
}

function formatPrice(p) {
  const digits = (p.price_trailing_digit_and_price_tier >> 4) & 0x0f;
  const value = (p.price / 10 ** digits).toFixed(digits);
  const currency = p.currency === 840 ? "USD" : p.currency === 978 ? "EUR" : `currency ${p.currency}`;
  return `${value} ${currency}/${p.unit_of_measure === 0 ? "kWh" : `unit ${p.unit_of_measure}`}`;
}
