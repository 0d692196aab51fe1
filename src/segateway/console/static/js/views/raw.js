// Raw RPC: any request of the catalog, a form generated from its parameters (spec notes as
// help), sent as JSON or XML; and the live, filterable log of asynchronous responses.

import { rpc, rci } from "../api.js";
import { el, fill, guard, pretty, showError, statusName } from "../dom.js";
import { buildFields, requestXml } from "../forms.js";
import { showResult } from "../result.js";
import { events, subscribe } from "../events.js";

const LOG_LIMIT = 500;

export function rawView(ctx) {
  const { catalog } = ctx;
  const select = el("select", { id: "raw-method", name: "method" },
    catalog.interfaces.map((iface) => el("optgroup", { label: iface },
      catalog.requests.filter((r) => r.interface === iface).map((r) => el("option", { value: r.name }, r.name)))));
  const doc = el("div", { class: "doc", "data-testid": "raw-doc" });
  const holder = el("div");
  const asXml = el("input", { type: "checkbox", id: "raw-xml" });
  const synchronous = el("input", { type: "checkbox", id: "raw-sync", checked: true });
  const extra = el("textarea", { id: "raw-extra", rows: 2, placeholder: '{"name": "value"} (other parameters, JSON)' });
  const sent = el("pre", { class: "request", "data-testid": "raw-request" });
  const result = el("div", { class: "result", "data-testid": "raw-result" });
  let fields = null;

  function choose() {
    const spec = catalog.requests.find((r) => r.name === select.value);
    fill(doc, el("p", {}, spec.doc),
      el("p", { class: "help" }, `${spec.interface} · answered ${spec.completion === "network" ? "after the network work" : spec.completion === "none" ? "never" : "at once"}` +
        (spec.response ? ` by ${spec.response}` : "") + (spec.causes.length ? ` · may lead to ${spec.causes.join(", ")}` : "") +
        (spec.added ? " · a segateway addition" : "")));
    fields = buildFields(spec.params, catalog);
    fill(holder, spec.params.length ? fields.node : el("p", { class: "empty" }, "No parameters."));
    extra.parentElement.hidden = !spec.extra;
    fill(sent);
    fill(result);
  }

  const form = el("form", { class: "request-form", id: "raw-form" },
    el("label", { for: "raw-method" }, "Request"), select, doc, holder,
    el("div", { class: "field" }, el("label", { for: "raw-extra" }, "Further parameters"), extra),
    el("div", { class: "actions" },
      el("label", {}, asXml, " send as XML (POST /UE/rci)"),
      el("label", {}, synchronous, " synchronous"),
      el("button", { type: "submit", id: "raw-send" }, "Send")));
  select.addEventListener("change", choose);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const spec = catalog.requests.find((r) => r.name === select.value);
    guard(event.submitter, async () => {
      fill(result);
      const params = fields.read();
      if (spec.extra && extra.value.trim()) Object.assign(params, JSON.parse(extra.value));
      if (asXml.checked) {
        const xml = requestXml(spec, params, catalog, { synchronous: synchronous.checked });
        fill(sent, xml);
        const reply = await rci(xml);
        const status = xmlStatus(reply.text, `${spec.name}_response`);
        if (status && status.code !== 0) showError(`${spec.name}_response: ${statusName(status.code)}`);
        fill(result, status && status.code !== 0
          ? el("div", { class: "error", role: "alert" }, `${spec.name}_response: ${statusName(status.code)}`)
          : el("div", { class: "ok" }, `${spec.name}_response (HTTP ${reply.status}): ok`),
        el("pre", { class: "response" }, reply.text));
      } else {
        const body = { method: spec.name, params, synchronous: synchronous.checked };
        fill(sent, pretty(body));
        showResult(result, await rpc(spec.name, params, { synchronous: synchronous.checked }));
      }
    }, result);
  });
  choose();

  // --- the log of asynchronous responses ---
  const filterText = el("input", { id: "log-filter", type: "search", placeholder: "filter (text)" });
  const filterName = el("select", { id: "log-name" }, el("option", { value: "" }, "every response"),
    el("optgroup", { label: "asynchronous messages" },
      catalog.answers.filter((a) => a.response_only).map((a) => el("option", { value: a.name }, a.name))),
    el("optgroup", { label: "queued responses" },
      catalog.answers.filter((a) => !a.response_only).map((a) => el("option", { value: a.name }, a.name))));
  const paused = el("input", { type: "checkbox", id: "log-pause" });
  const log = el("ol", { class: "log events", reversed: true, "data-testid": "event-log" });
  const count = el("span", { class: "count" });

  const matches = (item) => (!filterName.value || item.name === filterName.value)
    && (!filterText.value || JSON.stringify(item.document).toLowerCase().includes(filterText.value.toLowerCase()));
  const entry = (item) => el("li", { "data-name": item.name, class: severity(item) },
    el("details", {}, el("summary", {}, el("time", {}, item.received.toLocaleTimeString()), " ",
      el("strong", {}, item.name), " ", summaryOf(item)), el("pre", {}, pretty(item.document))));
  function redraw() {
    const shown = events().filter(matches).slice(-LOG_LIMIT).reverse();
    fill(log, shown.map(entry));
    fill(count, `${shown.length} shown of ${events().length}`);
  }
  filterText.addEventListener("input", redraw);
  filterName.addEventListener("change", redraw);
  let unsubscribe = null;

  return {
    node: el("section", {}, el("h2", {}, "Raw RPC"),
      el("div", { class: "columns" },
        el("div", { class: "side wide" }, form, el("h3", {}, "Request sent"), sent, el("h3", {}, "Response"), result),
        el("div", { class: "grow" }, el("h3", {}, "Asynchronous responses (GET /events)"),
          el("div", { class: "actions" }, filterName, filterText, el("label", {}, paused, " pause"), count), log))),
    activate() {
      redraw();
      unsubscribe = subscribe((item) => {
        if (paused.checked || !matches(item)) return;
        log.prepend(entry(item));
        while (log.children.length > LOG_LIMIT) log.lastChild.remove();
        fill(count, `${log.children.length} shown of ${events().length}`);
      });
    },
    deactivate() {
      if (unsubscribe) unsubscribe();
    },
  };
}

function severity(item) {
  const p = item.document.params || {};
  if (item.name === "message") return p.severity >= 2 ? "sev-error" : p.severity === 1 ? "sev-warning" : "sev-debug";
  return typeof p.status === "number" && p.status !== 0 ? "sev-error" : "";
}

function summaryOf(item) {
  const p = item.document.params || {};
  if (p.description) return p.description;
  const who = p.source_address || p.device_address || "";
  const text = JSON.stringify(p);
  return `${who} ${text.length > 120 ? text.slice(0, 120) + "…" : text}`;
}

/** The `status` of response `name` in an rci_reply (null when it has none). */
function xmlStatus(text, name) {
  const document = new DOMParser().parseFromString(text, "application/xml");
  const response = document.getElementsByTagName(name)[0];
  const status = response && [...response.children].find((child) => child.tagName === "status");
  if (!status) return null;
  const code = Number.parseInt(status.textContent.trim(), status.textContent.trim().toLowerCase().startsWith("0x") ? 16 : 10);
  return Number.isNaN(code) ? null : { code };
}
