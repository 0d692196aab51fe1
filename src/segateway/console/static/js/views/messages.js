// Messages: create and cancel messages of the gateway's Messaging server, and the
// confirmations devices send (received_message_confirmation).

import { rpc } from "../api.js";
import { el, fill, guard, hex, showError, zigbeeTime } from "../dom.js";
import { events, subscribe } from "../events.js";
import { freshId, recordTable, requestForm } from "../se.js";
import { showResult } from "../result.js";

const CONFIRMATION_REQUIRED = 0x80;

export function messagesView(ctx) {
  const list = el("div", { "data-testid": "message-list" });
  const actionResult = el("div", { class: "result", "data-testid": "message-action-result" });
  const confirmations = el("div", { "data-testid": "message-confirmations" });
  const { form, result } = requestForm(ctx, "create_message_event", {
    id: "create-message",
    submit: "Send message",
    values: () => ({ record: { message_id: freshId(), message_control: CONFIRMATION_REQUIRED, duration_in_minutes: 60, start_time: 0 } }),
    onDone: () => load(),
  });
  const cancelAll = el("button", { type: "button", class: "danger", onclick: (event) => guard(event.target, async () => {
    showResult(actionResult, await rpc("cancel_all_message_events"));
    load();
  }, actionResult) }, "Cancel all messages");
  let unsubscribe = null;

  async function load() {
    try {
      const document = await rpc("get_message_events", { server_or_client: 0 });
      fill(list, recordTable(document.params.events_record_list || [], [
        ["message id", (m) => m.message_id],
        ["text", (m) => m.message],
        ["control", (m) => `${hex(m.message_control)}${m.message_control & CONFIRMATION_REQUIRED ? " (confirmation required)" : ""}`],
        ["start", (m) => zigbeeTime(m.start_time)],
        ["minutes", (m) => (m.duration_in_minutes === 0xffff ? "until changed" : m.duration_in_minutes)],
        ["", (m) => el("button", { type: "button", class: "danger", "data-cancel": m.message_id,
          onclick: (event) => guard(event.target, async () => {
            showResult(actionResult, await rpc("cancel_message_event", { record: { message_id: m.message_id } }));
            load();
          }, actionResult) }, "Cancel")],
      ], { rowAttrs: (m) => ({ "data-message": m.message_id }), empty: "No messages." }));
    } catch (error) {
      showError(error, list);
    }
  }

  function renderConfirmations() {
    const received = events("received_message_confirmation").map((i) => i.document.params);
    fill(confirmations, recordTable(received, [
      ["device", (c) => c.source_address],
      ["message id", (c) => c.record.message_id],
      ["confirmed at", (c) => zigbeeTime(c.record.confirmation_time)],
    ], { rowAttrs: (c) => ({ "data-device": c.source_address, "data-message": c.record.message_id }), empty: "No confirmations yet." }));
  }

  return {
    node: el("section", {}, el("h2", {}, "Messages"),
      el("div", { class: "columns" },
        el("div", { class: "grow" }, el("h3", {}, "Messages of the Messaging server"), list, cancelAll, actionResult,
          el("h3", {}, "Confirmations"), confirmations),
        el("div", { class: "side" }, el("h3", {}, "Send a message"),
          el("p", { class: "help" }, "message_control 0x80 (128) asks the display's user to confirm."), form, result))),
    activate() {
      load();
      renderConfirmations();
      unsubscribe = subscribe((item) => {
        if (item.name === "received_message_confirmation") renderConfirmations();
        if (item.name === "updated_active_message_events") load();
      });
    },
    deactivate() {
      if (unsubscribe) unsubscribe();
    },
  };
}
