// genstatus live client: the WebSocket. Subscribes to the page's badges and rows, applies
// each server frame by its type, reconnects with backoff and polls while it is down.
// Protocol: docs/live.md.

import { clearBadges, pageAssetIds } from "./badges.js";
import { applyChange } from "./changes.js";
import { queueCounts } from "./counts.js";
import { startPolling, stopPolling } from "./poll.js";
import { maxRowId, pageGenerationIds, panelFilters } from "./rows.js";
import { config, root, setDown, setGroups, setLive, state } from "./state.js";

const CLOSE_UNAUTHENTICATED = 4401; // signed out (or the session ended): do not reconnect
const CLOSE_NO_LAYER = 4503; // the server has no channel layer: no live updates there
const CLOSE_TRY_LATER = 4429; // the server is busy (or this page flooded it): back off
// Reconnect delays, full jitter: a uniform random delay in [0, window). After a failure
// (the server is down, the network is gone) the window is 1 s doubling to 10 s; after the
// server said it is busy (4429), 2 s doubling to 15 s, counted apart, so that the time a
// restart kept the server down does not push tabs into long windows once it is back.
// Tuned for 1,000+ tabs after a restart (docs/live.md, "Reconnecting", has the figures;
// bench/bench_connect.py mirrors this policy).
const FAILED_BASE_MS = 1000;
const FAILED_MAX_MS = 10000;
const BUSY_BASE_MS = 2000;
const BUSY_MAX_MS = 15000;

function wsUrl() {
  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${window.location.host}${config.wsPath}`;
}

export function send(message) {
  const socket = state.socket;
  if (socket && socket.readyState === WebSocket.OPEN) {
    socket.send(JSON.stringify(message));
    return true;
  }
  return false;
}

function subscribeAll() {
  const assets = pageAssetIds();
  const generations = pageGenerationIds();
  const filters = panelFilters();
  state.subscribed = { assets, generations, panel: filters !== null };
  const message = { type: "subscribe", ref: "sync", assets: [...assets], generations: [...generations] };
  if (filters !== null) message.panel = { filters, since: maxRowId() };
  send(message);
}

// Badges or rows added after load (infinite scroll, a new card, a new row): subscribe too.
export function subscribeNew() {
  const assets = [...pageAssetIds()].filter((id) => !state.subscribed.assets.has(id));
  const generations = [...pageGenerationIds()].filter(
    (id) => !state.subscribed.generations.has(id),
  );
  if (!assets.length && !generations.length) return;
  if (send({ type: "subscribe", ref: "more", assets, generations })) {
    for (const id of assets) state.subscribed.assets.add(id);
    for (const id of generations) state.subscribed.generations.add(id);
  }
}

// One handler per frame type.
const handlers = {
  hello(message) {
    if (message.groups) setGroups(message.groups);
  },
  snapshot(message) {
    for (const [assetId, item] of Object.entries(message.assets || {})) {
      if (item) applyChange(item, { panelRow: false });
      else clearBadges(assetId);
    }
    for (const item of Object.values(message.generations || {})) {
      applyChange(item, { panelRow: false });
    }
    for (const item of message.panel || []) applyChange(item, { panelRow: true });
    state.synced += 1;
    state.attempts = 0; // served: a socket closed before its snapshot keeps backing off
    state.busyCloses = 0;
    state.deniedOnce = false;
    root.dataset.gsSynced = String(state.synced);
    // after a reconnect, changes made meanwhile may have moved the tab counts
    if (message.ref === "sync" && state.opens > 1) queueCounts();
    stopPolling(); // live from here: the snapshot caught up with what polling covered
    setLive("open");
  },
  updates(message) {
    for (const item of message.items || []) applyChange(item, { panelRow: null });
  },
  error(message) {
    console.warn("genstatus live:", message.code, message.message);
  },
};

function onMessage(event) {
  let message;
  try {
    message = JSON.parse(event.data);
  } catch {
    return;
  }
  const handler = message && Object.hasOwn(handlers, message.type) && handlers[message.type];
  if (handler) handler(message);
}

export function connect() {
  clearTimeout(state.reconnectTimer);
  if (!("WebSocket" in window)) {
    startPolling();
    return;
  }
  setDown(state.everOpened ? "offline" : "connecting");
  let socket;
  try {
    socket = new WebSocket(wsUrl());
  } catch {
    scheduleReconnect();
    return;
  }
  state.socket = socket;
  socket.addEventListener("open", () => {
    state.everOpened = true;
    state.opens += 1;
    subscribeAll(); // the snapshot resyncs whatever was missed while disconnected
  });
  socket.addEventListener("message", onMessage);
  socket.addEventListener("close", (event) => {
    if (state.socket !== socket) return;
    state.socket = null;
    if (event.code === CLOSE_UNAUTHENTICATED) {
      // The socket's session ended. Once, try again: the browser may hold a newer session
      // (a password change or a new login here cycles the session key); a second 4401
      // means signed out, and reconnecting would be refused again.
      if (state.everOpened && !state.deniedOnce) {
        state.deniedOnce = true;
        scheduleReconnect(true);
        return;
      }
      setLive("denied");
      return;
    }
    if (event.code === CLOSE_NO_LAYER) {
      startPolling(); // no live updates from this server: poll, and do not reconnect
      setDown();
      return;
    }
    setDown();
    scheduleReconnect(event.code === CLOSE_TRY_LATER);
  });
}

// The delay before the nth reconnect (n = 1, 2, ...): full jitter (see above).
export function backoffMs(n, busy = false, random = Math.random) {
  const [base, max] = busy ? [BUSY_BASE_MS, BUSY_MAX_MS] : [FAILED_BASE_MS, FAILED_MAX_MS];
  return Math.round(random() * Math.min(max, base * 2 ** Math.min(n - 1, 15)));
}

function scheduleReconnect(busy = false) {
  if (busy) state.busyCloses += 1;
  else state.attempts += 1;
  const n = busy ? state.busyCloses : state.attempts;
  state.reconnectTimer = setTimeout(connect, backoffMs(n, busy));
  // keep the page right while the socket is down; a busy server is not polled on top
  if (state.attempts >= 3 && !busy) startPolling();
}
