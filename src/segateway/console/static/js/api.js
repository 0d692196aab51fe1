// The gateway's HTTP API: the token, JSON and XML requests, the catalog and the event stream.

const TOKEN_KEY = "segateway.token";

export class ApiError extends Error {
  constructor(message, { status = 0, document = null, text = "" } = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.document = document;
    this.text = text;
  }
}

/** Raised on 401: the page asks for the token again. */
export class AuthError extends ApiError {}

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY) || "",
  set: (value) => sessionStorage.setItem(TOKEN_KEY, value),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

const authListeners = [];
export function onUnauthorized(listener) {
  authListeners.push(listener);
}

function headers(extra = {}) {
  return { Authorization: `Bearer ${token.get()}`, ...extra };
}

async function send(path, init) {
  let response;
  try {
    response = await fetch(path, { ...init, cache: "no-store" });
  } catch (error) {
    throw new ApiError(`gateway unreachable (${path}): ${error.message}`);
  }
  if (response.status === 401) {
    for (const listener of authListeners) listener();
    throw new AuthError("token rejected (HTTP 401): sign in again", { status: 401 });
  }
  return response;
}

function errorText(document) {
  const error = document && document.error;
  if (!error) return null;
  return `${error.reason || "error"} (code ${error.code}): ${error.message || ""}`;
}

/**
 * Send a JSON request. Resolves with the response document ({response, params, ...}) or
 * {queued: true} (HTTP 202). Rejects with ApiError on an HTTP error or an RPC error response.
 */
export async function rpc(method, params = {}, { synchronous = true, requestIdentifier } = {}) {
  const body = { method, params, synchronous };
  if (requestIdentifier !== undefined) body.request_identifier = requestIdentifier;
  const response = await send("/rpc", {
    method: "POST",
    headers: headers({ "Content-Type": "application/json" }),
    body: JSON.stringify(body),
  });
  const text = await response.text();
  let document = null;
  try {
    document = text ? JSON.parse(text) : null;
  } catch {
    throw new ApiError(`${method}: HTTP ${response.status}, not JSON: ${text.slice(0, 200)}`,
      { status: response.status, text });
  }
  const problem = errorText(document);
  if (problem) {
    throw new ApiError(`${method}: ${problem} (HTTP ${response.status})`,
      { status: response.status, document, text });
  }
  if (!response.ok && response.status !== 202) {
    throw new ApiError(`${method}: HTTP ${response.status}`, { status: response.status, document, text });
  }
  if (response.status === 202) return { queued: true, ...(document || {}) };
  return document;
}

/** Send an RCI request (XML); resolves with {status, text}; an HTTP error or an <error> rejects. */
export async function rci(xml) {
  const response = await send("/UE/rci", {
    method: "POST",
    headers: headers({ "Content-Type": "text/xml; charset=utf-8" }),
    body: xml,
  });
  const text = await response.text();
  const failed = !response.ok || /<error[\s>]/.test(text);
  if (failed) {
    throw new ApiError(`RCI request failed (HTTP ${response.status}): ${text.slice(0, 600)}`,
      { status: response.status, text });
  }
  return { status: response.status, text };
}

export async function fetchCatalog() {
  const response = await send("/console/catalog.json", { headers: headers() });
  if (!response.ok) throw new ApiError(`catalog: HTTP ${response.status}`, { status: response.status });
  return response.json();
}

/**
 * Follow GET /events (Server-Sent Events) with fetch, so that the token goes in the
 * Authorization header (EventSource cannot set headers). Reconnects after a pause.
 * Returns a function that stops it.
 */
export function followEvents(onEvent, onState) {
  const controller = new AbortController();
  let stopped = false;
  (async () => {
    let pause = 1000;
    while (!stopped) {
      try {
        const response = await send("/events", { headers: headers(), signal: controller.signal });
        if (!response.ok) throw new ApiError(`event stream: HTTP ${response.status}`);
        onState("live");
        pause = 1000;
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value.replace(/\r\n?/g, "\n");
          let end;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            dispatchBlock(block, onEvent);
          }
        }
        onState("ended, reconnecting");
      } catch (error) {
        if (stopped || error.name === "AbortError") return;
        if (error instanceof AuthError) {
          onState("signed out");
          return;
        }
        onState(`disconnected (${error.message}), reconnecting`);
      }
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(pause * 2, 15000);
    }
  })();
  return () => {
    stopped = true;
    controller.abort();
  };
}

function dispatchBlock(block, onEvent) {
  let name = "message";
  const data = [];
  for (const line of block.split("\n")) {
    if (line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") name = value;
    else if (field === "data") data.push(value);
  }
  if (!data.length) return;
  try {
    onEvent(name, JSON.parse(data.join("\n")));
  } catch (error) {
    onEvent("unparsable", { response: "unparsable", params: { text: data.join("\n"), error: String(error) } });
  }
}
