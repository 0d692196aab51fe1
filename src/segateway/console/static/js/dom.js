// Small DOM helpers, value formatting and the error panel shared by every view.

/** Create an element: el("div", {class: "x", onclick: fn}, child, "text", ...). */
export function el(tag, attrs = {}, ...children) {
  const node = tag === "svg" || SVG_TAGS.has(tag)
    ? document.createElementNS("http://www.w3.org/2000/svg", tag)
    : document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      node.addEventListener(key.slice(2), value);
    } else if (key === "dataset") {
      Object.assign(node.dataset, value);
    } else if (value === true) {
      node.setAttribute(key, "");
    } else {
      node.setAttribute(key, String(value));
    }
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const SVG_TAGS = new Set(["g", "line", "circle", "rect", "text", "path", "polyline", "title", "tspan"]);

/** Replace the children of a node. */
export function fill(node, ...children) {
  node.replaceChildren();
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export const hex = (value, digits = 2) =>
  typeof value === "number" ? "0x" + value.toString(16).toUpperCase().padStart(digits, "0") : String(value);

/** ZigBee time (UTC seconds since 2000-01-01) as local date and time. */
export const ZIGBEE_EPOCH = 946684800;
export function zigbeeTime(seconds) {
  if (typeof seconds !== "number") return "—";
  if (seconds === 0) return "now";
  return new Date((seconds + ZIGBEE_EPOCH) * 1000).toLocaleString();
}
export const nowZigbee = () => Math.floor(Date.now() / 1000) - ZIGBEE_EPOCH;

export const pretty = (value) => JSON.stringify(value, null, 2);

export const ZCL_STATUS = {
  0x00: "SUCCESS", 0x01: "FAILURE", 0x7e: "NOT_AUTHORIZED", 0x80: "MALFORMED_COMMAND",
  0x81: "UNSUP_CLUSTER_COMMAND", 0x82: "UNSUP_GENERAL_COMMAND", 0x85: "INVALID_FIELD",
  0x86: "UNSUPPORTED_ATTRIBUTE", 0x87: "INVALID_VALUE", 0x88: "READ_ONLY",
  0x89: "INSUFFICIENT_SPACE", 0x8a: "DUPLICATE_EXISTS", 0x8b: "NOT_FOUND",
  0x8c: "UNREPORTABLE_ATTRIBUTE", 0x8d: "INVALID_DATA_TYPE", 0x94: "TIMEOUT",
  0xc3: "UNSUPPORTED_CLUSTER",
};
export const statusName = (code) => `${hex(code)} ${ZCL_STATUS[code] || "status"}`;

export const CLUSTERS = {
  0x0000: "Basic", 0x0003: "Identify", 0x000a: "Time", 0x0700: "Price", 0x0701: "DRLC",
  0x0702: "Metering", 0x0703: "Messaging", 0x0800: "Key Establishment",
};
export const clusterName = (id) => `${CLUSTERS[id] || "cluster"} ${hex(id, 4)}`;

export const NODE_TYPES = { 0: "coordinator", 1: "router", 2: "end device", "-1": "unknown" };
export const DISCOVERY = { 0: "incomplete", 1: "complete", 2: "complete with errors" };

// --- the error panel: every error from the gateway is shown here (and where it happened) ---

let errorList = null;

export function initErrors(node) {
  errorList = node;
}

/** Show an error to the user: in the global panel (dismissable) and in `where` if given. */
export function showError(error, where = null) {
  const text = error instanceof Error ? error.message : String(error);
  console.error(error);
  if (where) fill(where, el("div", { class: "error", role: "alert" }, text));
  if (!errorList) return;
  const item = el("li", { class: "error" },
    el("time", {}, new Date().toLocaleTimeString()), " ", text,
    el("button", { type: "button", class: "dismiss", title: "Dismiss",
      onclick: () => item.remove() }, "×"));
  errorList.prepend(item);
  while (errorList.children.length > 20) errorList.lastChild.remove();
}

/** Run an async action from a button: disable it meanwhile, show any error. */
export async function guard(button, action, where = null) {
  if (button) button.disabled = true;
  try {
    return await action();
  } catch (error) {
    showError(error, where);
    return undefined;
  } finally {
    if (button) button.disabled = false;
  }
}
