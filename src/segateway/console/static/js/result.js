// Showing an RPC's result: the response document, and its ZCL/ZDO status when not success.

import { el, fill, pretty, showError, statusName } from "./dom.js";

/** Render a response document into `where`; a non-zero `status` is flagged as an error. */
export function showResult(where, document, { title = "" } = {}) {
  const params = (document && document.params) || {};
  const failed = typeof params.status === "number" && params.status !== 0;
  const head = document && document.queued
    ? el("div", { class: "note" }, "Queued: the response will arrive on the event stream.")
    : failed
      ? el("div", { class: "error", role: "alert" },
        `${document.response}: ${statusName(params.status)}`)
      : el("div", { class: "ok" }, `${title || (document && document.response) || "done"}: ok`);
  if (failed) showError(`${document.response}: ${statusName(params.status)}`); // also in the list
  fill(where, head, el("pre", { class: "response" }, pretty(document)));
  return !failed;
}
