// Shared parts of the Smart Energy views: a create form generated from a request's catalog
// entry, and a table of records.

import { rpc } from "./api.js";
import { el, fill, guard } from "./dom.js";
import { buildFields } from "./forms.js";
import { showResult } from "./result.js";

/** A form for request `name`, generated from the catalog, prefilled with `values()`. */
export function requestForm(ctx, name, { values = () => ({}), submit = "Send", onDone = () => {}, id } = {}) {
  const spec = ctx.catalog.requests.find((r) => r.name === name);
  const result = el("div", { class: "result", "data-testid": `${name}-result` });
  const holder = el("div");
  let fields = null;
  const reset = () => {
    fields = buildFields(spec.params, ctx.catalog, { values: values() });
    fill(holder, fields.node);
  };
  reset();
  const form = el("form", { class: "request-form", id },
    el("p", { class: "doc" }, spec.doc), holder,
    el("div", { class: "actions" },
      el("button", { type: "submit" }, submit),
      el("button", { type: "button", class: "secondary", onclick: reset }, "New values")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    guard(event.submitter, async () => {
      const params = fields.read();
      const document = await rpc(name, params);
      const ok = showResult(result, document);
      if (ok) reset();
      onDone(document);
    }, result);
  });
  return { form, result };
}

/** A table: columns [[title, (record) => cell]]. */
export function recordTable(records, columns, { rowAttrs = () => ({}), empty = "none" } = {}) {
  if (!records.length) return el("p", { class: "empty" }, empty);
  return el("table", {},
    el("thead", {}, el("tr", {}, columns.map(([title]) => el("th", {}, title)))),
    el("tbody", {}, records.map((r) => el("tr", rowAttrs(r), columns.map(([, cell]) => el("td", {}, cell(r)))))));
}

let lastId = 0;

/** A fresh 32-bit id for a new event: seconds since 2000, made unique within the page. */
export function freshId() {
  lastId = Math.max(lastId + 1, Math.floor(Date.now() / 1000) - 946684800) >>> 0;
  return lastId;
}
