// The console's shell: sign-in, navigation between views, the event stream.

import { fetchCatalog, followEvents, onUnauthorized, token, AuthError } from "./api.js";
import { el, fill, initErrors, showError } from "./dom.js";
import { addEvent } from "./events.js";
import { networkView } from "./views/network.js";
import { joiningView } from "./views/joining.js";
import { pricesView } from "./views/prices.js";
import { drlcView } from "./views/drlc.js";
import { messagesView } from "./views/messages.js";
import { meteringView } from "./views/metering.js";
import { rawView } from "./views/raw.js";

const VIEWS = [
  ["network", "Network", networkView],
  ["joining", "Joining", joiningView],
  ["prices", "Prices", pricesView],
  ["drlc", "DRLC", drlcView],
  ["messages", "Messages", messagesView],
  ["metering", "Metering", meteringView],
  ["raw", "Raw RPC", rawView],
];

const state = { views: new Map(), current: null, stopEvents: null };

const $ = (id) => document.getElementById(id);

function showLogin(message = "") {
  if (state.stopEvents) state.stopEvents();
  state.stopEvents = null;
  for (const view of state.views.values()) view.deactivate?.();
  state.views.clear();
  state.current = null;
  fill($("views"));
  $("nav").hidden = true;
  $("sign-out").hidden = true;
  $("login").hidden = false;
  fill($("login-error"), message);
  $("stream-state").textContent = "offline";
  $("token-input").focus();
}

async function start() {
  let catalog;
  try {
    catalog = await fetchCatalog();
  } catch (error) {
    if (error instanceof AuthError) {
      token.clear();
      showLogin("The gateway refused this token.");
    } else {
      showLogin("");
      showError(error, $("login-error"));
    }
    return;
  }
  $("login").hidden = true;
  $("nav").hidden = false;
  $("sign-out").hidden = false;
  const ctx = { catalog };
  const nav = fill($("nav"));
  const container = fill($("views"));
  for (const [id, title, create] of VIEWS) {
    const view = create(ctx);
    view.node.id = `view-${id}`;
    view.node.classList.add("view");
    view.node.hidden = true;
    container.append(view.node);
    state.views.set(id, view);
    nav.append(el("a", { href: `#${id}`, "data-view": id }, title));
  }
  state.stopEvents = followEvents(addEvent, (text) => {
    $("stream-state").textContent = text;
    $("stream-state").className = `stream ${text === "live" ? "live" : "down"}`;
  });
  loadHealth();
  route();
}

async function loadHealth() {
  try {
    const response = await fetch("/health", { cache: "no-store" });
    const health = await response.json();
    $("gateway-info").textContent =
      `${health.role || ""} ${health.device_id || ""} · v${health.version} · network ${health.network || "?"}`;
  } catch (error) {
    showError(error);
  }
}

function route() {
  if (!state.views.size) return;
  const id = state.views.has(location.hash.slice(1)) ? location.hash.slice(1) : "network";
  if (state.current === id) return;
  if (state.current) {
    const old = state.views.get(state.current);
    old.node.hidden = true;
    old.deactivate?.();
  }
  state.current = id;
  const view = state.views.get(id);
  view.node.hidden = false;
  for (const link of $("nav").children) {
    link.classList.toggle("active", link.dataset.view === id);
    if (link.dataset.view === id) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  view.activate?.();
}

window.addEventListener("hashchange", route);
onUnauthorized(() => {
  token.clear();
  showLogin("The gateway refused the token (HTTP 401): sign in again.");
});

document.addEventListener("DOMContentLoaded", () => {
  initErrors($("errors"));
  $("login-form").addEventListener("submit", (event) => {
    event.preventDefault();
    token.set($("token-input").value.trim());
    $("token-input").value = "";
    start();
  });
  $("sign-out").addEventListener("click", () => {
    token.clear();
    showLogin("Signed out.");
  });
  if (token.get()) start();
  else showLogin();
});
