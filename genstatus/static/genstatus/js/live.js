// genstatus live client: the entry point (a plain ES module, no build step), loaded once
// per page by {% genstatus_assets %}.
//
// Finds badges ([data-gs-badge]) and panel rows ([data-gs-panel] tr[data-gs-generation]),
// subscribes to them over a WebSocket, applies a change only when its version is newer,
// and converges to the database by itself: a snapshot after every (re)connect, a periodic
// resync while a visible job is active, and polling of the REST API when WebSockets are
// unavailable. It renders nothing itself: badges are clones of the server's
// <template data-gs-badge-template>, rows are fetched from the server's row endpoint.
//
//   state.js    configuration (data-* attributes), shared state, status groups
//   socket.js   the WebSocket and its frames        poll.js   REST polling fallback
//   changes.js  one change to badges and rows       badges.js, rows.js   the page parts
//   counts.js   the panel's tab counts (data-gs-counts-url)
//
// For tests and host code, <html> carries data-gs-live ("connecting" | "open" | "offline"
// | "polling" | "denied"; "open" only once a snapshot has been applied) and data-gs-synced
// (how many snapshots have been applied). The texts shown come from the server (the
// indicator's data-gs-label-* attributes, the badge <template>s, the rows endpoint).
// Protocol: docs/live.md.

import { badges, installErrorPopovers } from "./badges.js";
import { applyChange } from "./changes.js";
import { maxRowId, panel } from "./rows.js";
import { connect, send, subscribeNew } from "./socket.js";
import { config, inGroup, state } from "./state.js";

function anyActive() {
  for (const element of document.querySelectorAll("[data-gs-status]")) {
    if (inGroup("active", element.dataset.gsStatus)) return true;
  }
  return false;
}

// Delivery is at most once: while a visible job is active, ask for a fresh snapshot now and
// then, so a lost final message cannot leave a badge spinning.
function periodicResync() {
  if (!document.hidden && anyActive()) send({ type: "resync", ref: "periodic", since: maxRowId() });
}

let started = false;

function start() {
  if (started) return;
  if (!badges().length && !panel()) return;
  started = true;
  connect();
  const jitter = Math.random() * 0.2 * config.resyncMs;
  state.resyncTimer = setInterval(periodicResync, config.resyncMs + jitter);
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) send({ type: "resync", ref: "visible", since: maxRowId() });
  });
  let pending = null;
  new MutationObserver(() => {
    clearTimeout(pending);
    pending = setTimeout(subscribeNew, 100);
  }).observe(document.body, { childList: true, subtree: true });
}

installErrorPopovers();
// targets.js puts badges on a page that had none when this module ran: start then.
document.addEventListener("genstatus:badges", start);
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();

export { applyChange, config, state };
