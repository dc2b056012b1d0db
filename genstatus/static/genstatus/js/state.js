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
  attempts: 0,
  everOpened: false,
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

// The indicator's texts come from its data-gs-label-<state> attributes (translated by the
// server); English stands in where a template lacks them.
const INDICATOR = { live: "Live", polling: "Polling", offline: "Offline" };

export function setLive(value) {
  root.dataset.gsLive = value;
  const shown = value === "open" ? "live" : value === "polling" ? "polling" : "offline";
  for (const indicator of document.querySelectorAll("[data-gs-live-indicator]")) {
    indicator.dataset.gsState = shown;
    const key = `gsLabel${shown[0].toUpperCase()}${shown.slice(1)}`;
    indicator.textContent = indicator.dataset[key] || INDICATOR[shown];
  }
}
