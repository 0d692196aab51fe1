// Joining: add a device (EUI-64 plus install code or link key, join time), permit joining,
// remove a device — the getting-started procedures, by clicking.

import { rpc } from "../api.js";
import { el, fill, guard, showError } from "../dom.js";
import { showResult } from "../result.js";
import { events, subscribe } from "../events.js";

export function joiningView() {
  const addResult = el("div", { class: "result", "data-testid": "add-device-result" });
  const address = el("input", { id: "join-eui", name: "device_address", required: true,
    placeholder: "00:12:4B:00:00:0D:15:E0", pattern: "[0-9A-Fa-f]{2}([:\\-]?[0-9A-Fa-f]{2}){7}",
    spellcheck: "false", autocomplete: "off" });
  const keyKind = el("select", { id: "join-key-kind", name: "key_kind" },
    el("option", { value: "installation_code" }, "install code (with its CRC)"),
    el("option", { value: "link_key" }, "link key (128 bits)"));
  const key = el("input", { id: "join-key", name: "key", required: true, spellcheck: "false",
    autocomplete: "off", placeholder: "hex, e.g. 00124B00000D15E0ADDD" });
  const joinTime = el("input", { id: "join-time", name: "join_time", type: "number", min: 0, max: 65535, value: 120 });
  const addForm = el("form", { class: "grid-form" },
    el("label", { for: "join-eui" }, "EUI-64"), address,
    el("label", { for: "join-key-kind" }, "Key"), keyKind,
    el("label", { for: "join-key" }, "Value"), key,
    el("label", { for: "join-time" }, "Join time (s)"), joinTime,
    el("small", { class: "help span" }, "add_device: registers the device with the trust center " +
      "(link key from the install code) and opens joining for the join time (empty: unchanged)."),
    el("button", { type: "submit", id: "add-device" }, "Add device"));
  addForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const params = { device_address: address.value.trim(), [keyKind.value]: key.value.trim() };
    if (joinTime.value !== "") params.join_time = Number(joinTime.value);
    guard(event.submitter, async () => showResult(addResult, await rpc("add_device", params)), addResult);
  });

  const permitResult = el("div", { class: "result", "data-testid": "permit-result" });
  const permitTime = el("input", { id: "permit-time", type: "number", min: 0, max: 65535, value: 60 });
  const permitForm = el("form", { class: "grid-form" },
    el("label", { for: "permit-time" }, "Seconds (0 closes)"), permitTime,
    el("button", { type: "submit", id: "permit-joining" }, "Permit joining"));
  permitForm.addEventListener("submit", (event) => {
    event.preventDefault();
    guard(event.submitter, async () =>
      showResult(permitResult, await rpc("permit_joining", { join_time: Number(permitTime.value) })), permitResult);
  });

  const removeResult = el("div", { class: "result", "data-testid": "remove-result" });
  const removeAddress = el("input", { id: "remove-eui", required: true, list: "known-devices",
    placeholder: "EUI-64", spellcheck: "false", autocomplete: "off" });
  const known = el("datalist", { id: "known-devices" });
  const removeForm = el("form", { class: "grid-form" },
    el("label", { for: "remove-eui" }, "EUI-64"), removeAddress, known,
    el("button", { type: "submit", id: "remove-device", class: "danger" }, "Remove device"));
  removeForm.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!confirm(`Remove ${removeAddress.value} and ask it to leave?`)) return;
    guard(event.submitter, async () =>
      showResult(removeResult, await rpc("remove_device", { device_address: removeAddress.value.trim() })), removeResult);
  });

  const joinLog = el("ul", { class: "log", "data-testid": "join-log" });
  let unsubscribe = null;

  async function loadKnown() {
    try {
      const devices = await rpc("get_device_information");
      fill(known, (devices.params.record_list || []).slice(1).map((r) => el("option", { value: r.addr_extended })));
    } catch (error) {
      showError(error);
    }
  }

  return {
    node: el("section", {}, el("h2", {}, "Joining"),
      el("div", { class: "cards" },
        el("article", { class: "card" }, el("h3", {}, "Add device"), addForm, addResult),
        el("article", { class: "card" }, el("h3", {}, "Permit joining"), permitForm, permitResult),
        el("article", { class: "card" }, el("h3", {}, "Remove device"), removeForm, removeResult)),
      el("h3", {}, "Device events"), joinLog),
    activate() {
      loadKnown();
      const add = (item) => {
        if (item.name !== "device_status" && !(item.name === "message" && item.document.params?.device_address)) return;
        const p = item.document.params;
        const text = item.name === "device_status"
          ? `${p.source_address} ${p.active ? "active" : "inactive"}, discovery ${p.discovery_status}`
          : `${p.device_address}: ${p.description || ""}`;
        joinLog.prepend(el("li", {}, el("time", {}, item.received.toLocaleTimeString()), " ", text));
        while (joinLog.children.length > 100) joinLog.lastChild.remove();
      };
      fill(joinLog);
      events().forEach(add);
      unsubscribe = subscribe(add);
    },
    deactivate() {
      if (unsubscribe) unsubscribe();
    },
  };
}
