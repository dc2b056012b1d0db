// genstatus live client: configuration and shared state (a plain ES module, no build step).
//
// Configuration comes from data-* attributes of the script tag that loads live.js:
//   data-gs-ws-path="/ws/genstatus/"   data-gs-status-url   data-gs-generations-url
//   data-gs-resync-ms="10000"          data-gs-poll-ms="5000"   data-gs-groups (JSON)
// Status groups ("active": [...], ...) come from the server: the hello frame's "groups"
// (or data-gs-groups before any hello); this client keeps no list of its own.

const script =
  document.querySelector("script[data-gs-ws-path]") ||
  document.querySelector('script[src*="genstatus/js/live.js"]');
const data = (script && script.dataset) || {};

export const config = {
  wsPath: data.gsWsPath || "/ws/genstatus/",
  statusUrl: data.gsStatusUrl || "",
  generationsUrl: data.gsGenerationsUrl || "",
  resyncMs: Number(data.gsResyncMs || 10000),
  pollMs: Number(data.gsPollMs || 5000),
};

export const state = {
  socket: null,
  attempts: 0, // reconnects since the last snapshot after failures ...
  busyCloses: 0, // ... and after the server said it is busy (4429)
  deniedOnce: false, // a 4401 was retried once (socket.js)
  everOpened: false,
  opens: 0,
  synced: 0,
  reconnectTimer: null,
  pollTimer: null,
  resyncTimer: null,
  groups: {},
  subscribed: { assets: new Set(), generations: new Set(), panel: false },
};

export const root = document.documentElement;

function parseGroups(text) {
  try {
    const groups = JSON.parse(text || "{}");
    return groups && typeof groups === "object" ? groups : {};
  } catch {
    return {};
  }
}

// groups: {name: [status, ...]} as states.groups_as_dict() sends them.
export function setGroups(groups) {
  state.groups = {};
  for (const [name, statuses] of Object.entries(groups || {})) {
    if (Array.isArray(statuses)) state.groups[name] = new Set(statuses.map(String));
  }
}

setGroups(parseGroups(data.gsGroups));

export function inGroup(name, status) {
  const group = state.groups[name];
  return Boolean(group && group.has(status));
}

// What the indicator shows for a state of the connection: Live only once the socket is
// open and has applied its snapshot ("open"), Polling while the REST API is polled,
// Offline otherwise. Its texts are its data-gs-label-<live|polling|offline> attributes,
// translated by the server; this client holds no text of its own.
function shown(value) {
  if (value === "open") return "live";
  return value === "polling" ? "polling" : "offline";
}

export function setLive(value) {
  root.dataset.gsLive = value;
  const key = shown(value);
  for (const indicator of document.querySelectorAll("[data-gs-live-indicator]")) {
    indicator.dataset.gsState = key;
    const label = indicator.getAttribute(`data-gs-label-${key}`);
    if (label !== null) indicator.textContent = label;
  }
}

// The state while the socket is not live: polling when the API is being polled.
export function setDown(value = "offline") {
  setLive(state.pollTimer ? "polling" : value);
}
