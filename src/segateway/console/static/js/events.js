// The asynchronous responses received on the event stream, kept for the views (ring buffer).

const LIMIT = 2000;
const items = [];
const listeners = new Set();
let counter = 0;

/** Add one event ({response, params, timestamp, ...}) and tell the listeners. */
export function addEvent(name, document) {
  const item = { seq: ++counter, name, document, received: new Date() };
  items.push(item);
  if (items.length > LIMIT) items.shift();
  for (const listener of listeners) {
    try {
      listener(item);
    } catch (error) {
      console.error(error);
    }
  }
}

/** Every kept event (oldest first), optionally only those named `name`. */
export function events(name = null) {
  return name ? items.filter((i) => i.name === name) : items.slice();
}

/** Call `listener(item)` for every new event; returns the unsubscriber. */
export function subscribe(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
