// genstatus live client: a plain ES module, no build step.
//
// Finds badges ([data-gs-badge]) and panel rows ([data-gs-panel] tr[data-gs-generation]),
// subscribes to them over a WebSocket, applies a change only when its version is newer,
// and converges to the database by itself: a snapshot after every (re)connect, a periodic
// resync while a visible job is active, and polling of the REST API when WebSockets are
// unavailable. Configuration comes from the script tag's data-* attributes:
//   data-gs-ws-path="/ws/genstatus/"   data-gs-status-url   data-gs-generations-url
//   data-gs-resync-ms="10000"          data-gs-poll-ms="5000"
// For tests and host code, <html> carries data-gs-live ("connecting" | "open" | "offline"
// | "polling" | "denied") and data-gs-synced (how many snapshots have been applied).
// Protocol: docs/live.md.

const ACTIVE = new Set(["pending", "queued", "processing"]);
const TERMINAL = new Set(["completed", "failed", "cancelled"]);
const CLOSE_UNAUTHENTICATED = 4401;
const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 30000;

const script =
  document.querySelector("script[data-gs-ws-path]") ||
  document.querySelector('script[src*="genstatus/js/live.js"]');
const data = (script && script.dataset) || {};
const config = {
  wsPath: data.gsWsPath || "/ws/genstatus/",
  statusUrl: data.gsStatusUrl || "",
  generationsUrl: data.gsGenerationsUrl || "",
  resyncMs: Number(data.gsResyncMs || 10000),
  pollMs: Number(data.gsPollMs || 5000),
};

const state = {
  socket: null,
  attempts: 0,
  everOpened: false,
  display: {},
  synced: 0,
  reconnectTimer: null,
  pollTimer: null,
  resyncTimer: null,
  subscribed: { assets: new Set(), generations: new Set(), panel: false },
};

const root = document.documentElement;

function setLive(value) {
  root.dataset.gsLive = value;
  const live = value === "open";
  for (const indicator of document.querySelectorAll("[data-gs-live-indicator]")) {
    indicator.dataset.gsState = live ? "live" : value === "polling" ? "polling" : "offline";
    indicator.textContent = live ? "Live" : value === "polling" ? "Polling" : "Offline";
  }
}

// -- reading the page -------------------------------------------------------------------

function badges() {
  return document.querySelectorAll("[data-gs-badge][data-gs-asset]");
}

function panel() {
  return document.querySelector("[data-gs-panel]");
}

function panelRows() {
  const element = panel();
  return element ? element.querySelectorAll("tr[data-gs-generation]") : [];
}

function panelFilters() {
  const element = panel();
  if (!element) return null;
  try {
    const filters = JSON.parse(element.dataset.gsFilters || "{}");
    return filters && typeof filters === "object" ? filters : {};
  } catch {
    return {};
  }
}

// Rows are inserted only on the first page (no cursor): elsewhere they would be out of order.
function panelTakesNewRows() {
  return !/[?&](before|after|cursor)=/.test(window.location.search);
}

function maxRowId() {
  let max = 0;
  for (const row of panelRows()) max = Math.max(max, Number(row.dataset.gsGeneration) || 0);
  return max;
}

function pageAssetIds() {
  const ids = new Set();
  for (const badge of badges()) if (badge.dataset.gsAsset) ids.add(badge.dataset.gsAsset);
  return ids;
}

function pageGenerationIds() {
  const ids = new Set();
  for (const row of panelRows()) {
    const id = Number(row.dataset.gsGeneration);
    if (id > 0) ids.add(id);
  }
  return ids;
}

function anyActive() {
  for (const element of document.querySelectorAll("[data-gs-status]")) {
    if (ACTIVE.has(element.dataset.gsStatus)) return true;
  }
  return false;
}

// -- applying a change ------------------------------------------------------------------

// A WebSocket item says cancel_requested (bool); an API item, cancel_requested_at.
// null: the item does not say (asset snapshot items), so a row keeps what it shows.
function cancelRequested(item) {
  if (typeof item.cancel_requested === "boolean") return item.cancel_requested;
  if ("cancel_requested_at" in item) return item.cancel_requested_at != null;
  return null;
}

function normalise(item) {
  const status = item.status;
  const retriedAs = Number(item.retried_as);
  return {
    generationId: Number(item.generation_id ?? item.id),
    assetId: item.asset_id ?? item.asset ?? null,
    status,
    version: Number(item.version) || 0,
    progress: item.progress ?? null,
    errorMessage: item.error_message || "",
    display: item.display || item.status_display || state.display[status] || null,
    cancelRequested: cancelRequested(item),
    retriedAs: retriedAs > 0 ? retriedAs : null, // the attempt that retried it, when known
    raw: item,
  };
}

// Newer = a newer generation of the asset (a retry), or a higher version of the same one.
function isNewer(element, change) {
  const generation = Number(element.dataset.gsGeneration) || 0;
  const version = Number(element.dataset.gsVersion) || 0;
  if (change.generationId !== generation) return change.generationId > generation;
  return change.version > version;
}

function icon(name) {
  const template = name && document.querySelector(`template[data-gs-icon="${CSS.escape(name)}"]`);
  return template ? template.content.firstElementChild.cloneNode(true) : null;
}

function swapIcon(container, name) {
  const fresh = icon(name);
  if (!fresh) return;
  const old = container.querySelector(":scope > svg, :scope > .gs-icon");
  if (old) old.replaceWith(fresh);
  else container.prepend(fresh);
}

function swapClasses(element, prefixes, added) {
  for (const name of [...element.classList]) {
    if (prefixes.some((prefix) => name.startsWith(prefix))) element.classList.remove(name);
  }
  for (const name of added) if (name) element.classList.add(name);
}

function describe(change) {
  const display = change.display || {};
  const title =
    change.status === "failed" && change.errorMessage
      ? change.errorMessage
      : display.description || change.status;
  const progressText =
    change.status === "processing" && change.progress !== null ? `${change.progress}%` : "";
  let label = `${display.label || change.status}: ${title}`;
  if (progressText) label += ` (${progressText})`;
  return { title, label, progressText };
}

function applyBadge(badge, change) {
  if (!isNewer(badge, change)) return false;
  badge.dataset.gsGeneration = String(change.generationId);
  badge.dataset.gsStatus = change.status;
  badge.dataset.gsVersion = String(change.version);
  badge.dataset.gsProgress = change.progress === null ? "" : String(change.progress);
  const display = change.display;
  swapClasses(badge, ["gs-badge--", "gs-status--"], [
    `gs-badge--${change.status}`,
    display && `gs-status--${display.color}`,
  ]);
  const { title, label, progressText } = describe(change);
  badge.title = title;
  badge.setAttribute("aria-label", label);
  if (display) swapIcon(badge, display.icon);
  const progress = badge.querySelector("[data-gs-progress-text]");
  if (progress) {
    progress.textContent = progressText;
    progress.hidden = !progressText;
  }
  badge.hidden = change.status === "completed" && badge.dataset.gsShowCompleted !== "true";
  return true;
}

// The snapshot says an asset has no generation (visible to this user) any more, e.g. its
// job completed into another asset: an active badge there would otherwise spin forever.
// Only active badges are cleared, so a snapshot older than a newer update cannot hide a
// finished one; an active one it hides by mistake comes back with the next snapshot.
function clearBadges(assetId) {
  const selector = `[data-gs-badge][data-gs-asset="${CSS.escape(String(assetId))}"]`;
  for (const badge of document.querySelectorAll(selector)) {
    if (!ACTIVE.has(badge.dataset.gsStatus)) continue;
    // generation and version stay: a late update of the same generation is not newer
    badge.dataset.gsStatus = "";
    badge.dataset.gsProgress = "";
    swapClasses(badge, ["gs-badge--", "gs-status--"], ["gs-badge--none"]);
    badge.querySelector(":scope > svg, :scope > .gs-icon")?.remove();
    const progress = badge.querySelector("[data-gs-progress-text]");
    if (progress) {
      progress.textContent = "";
      progress.hidden = true;
    }
    badge.title = "";
    badge.hidden = true;
  }
}

function applyRow(row, change) {
  if (Number(row.dataset.gsGeneration) !== change.generationId) return false;
  if (change.version <= (Number(row.dataset.gsVersion) || 0)) return false;
  row.dataset.gsStatus = change.status;
  row.dataset.gsVersion = String(change.version);
  swapClasses(row, ["gs-row--"], [`gs-row--${change.status}`]);
  const slot = row.querySelector("[data-gs-icon-slot]");
  const display = change.display;
  const { title, label } = describe(change);
  if (slot) {
    if (display) {
      swapClasses(slot, ["gs-status--"], [`gs-status--${display.color}`]);
      slot.classList.toggle("gs-spin", Boolean(display.spinning));
      swapIcon(slot, display.icon);
      slot.setAttribute("aria-label", display.label);
    }
    slot.title = title;
    slot.dataset.gsLabel = label;
  }
  let error = row.querySelector("[data-gs-error]");
  if (change.status === "failed" && change.errorMessage) {
    if (!error) {
      error = document.createElement("div");
      error.className = "gs-error";
      error.dataset.gsError = "";
      const cell = row.querySelector(".gs-col-prompt") || row.lastElementChild;
      cell.append(error);
    }
    error.textContent = change.errorMessage;
  }
  if (TERMINAL.has(change.status) || change.cancelRequested) removeAction(row, "cancel");
  applyCancelNote(row, change);
  if (change.retriedAs !== null) applyRetried(row, change.retriedAs);
  return true;
}

// Texts and URLs the server renders into rows come from the panel's data-* attributes
// (translated there); the English defaults serve a panel template that lacks them.
function panelText(name, fallback) {
  const element = panel();
  return (element && element.dataset[name]) || fallback;
}

function removeAction(row, action) {
  for (const button of row.querySelectorAll(`[data-gs-action="${action}"]`)) button.remove();
}

// As the server renders it: <div class="gs-note">Cancel requested</div> in the prompt
// cell while a processing row has a cancel request; gone once the row has finished.
function applyCancelNote(row, change) {
  let note = row.querySelector(".gs-note");
  const show = change.status === "processing" && change.cancelRequested === true;
  if (show && !note) {
    note = document.createElement("div");
    note.className = "gs-note";
    note.textContent = panelText("gsLabelCancelRequested", "Cancel requested");
    (row.querySelector(".gs-col-prompt") || row.lastElementChild).append(note);
  } else if (note && change.status !== "processing") {
    note.remove();
  }
}

// As the server renders a retried row: no Retry button, and "retried as #N" linking to
// the attempt's admin page (data-gs-change-url is that page for id 0).
function applyRetried(row, attemptId) {
  removeAction(row, "retry");
  if (row.querySelector(".gs-retried-as")) return;
  const link = document.createElement("a");
  link.className = "gs-retried-as";
  const template = panelText("gsChangeUrl", "");
  const at = template.lastIndexOf("/0/");
  if (at >= 0) link.href = `${template.slice(0, at)}/${attemptId}/${template.slice(at + 3)}`;
  link.textContent = `${panelText("gsLabelRetriedAs", "retried as")} #${attemptId}`;
  const cell = row.querySelector(".gs-col-actions") || row.lastElementChild;
  cell.prepend(link);
}

function cell(text, className) {
  const td = document.createElement("td");
  if (className) td.className = className;
  if (text) td.textContent = text;
  return td;
}

// A minimal row for a new generation; reloading the page gives the full one (actions...).
function insertRow(change) {
  const element = panel();
  const body = element && element.querySelector("tbody[data-gs-rows], tbody");
  if (!body || !panelTakesNewRows()) return;
  const raw = change.raw;
  const row = document.createElement("tr");
  row.className = `gs-row gs-row--${change.status} gs-new`; // gs-new: not a gs-row--* status class
  row.dataset.gsGeneration = String(change.generationId);
  row.dataset.gsStatus = change.status;
  row.dataset.gsVersion = "0";
  row.dataset.gsAsset = change.assetId === null ? "" : String(change.assetId);
  const headers = element.querySelectorAll("thead th");
  const cells = [];
  const statusCell = cell("", "gs-col-status");
  const slot = document.createElement("span");
  slot.className = "gs-status";
  slot.dataset.gsIconSlot = "";
  slot.setAttribute("role", "img");
  statusCell.append(slot);
  cells.push(statusCell);
  const prompt = String(raw.prompt || "");
  const promptCell = cell("", "gs-col-prompt");
  const id = document.createElement("span");
  id.className = "gs-id";
  id.textContent = `#${change.generationId} `;
  const text = document.createElement("span");
  text.dataset.gsPrompt = "";
  text.textContent = prompt.length > 80 ? `${prompt.slice(0, 79)}…` : prompt || "—";
  text.title = prompt;
  promptCell.append(id, text);
  cells.push(promptCell);
  cells.push(cell(`${raw.provider || ""} · ${raw.operation_type || ""}`, "gs-col-kind"));
  let extra = headers.length - 6;
  const leading = extra > 0 && headers[0].matches(".action-checkbox-column, :has(input)");
  if (leading) extra -= 1;
  for (let i = 0; i < extra; i += 1) cells.push(cell("—"));
  cells.push(cell("just now", "gs-col-time"));
  cells.push(cell(raw.retry_count ? `↻ ${raw.retry_count}` : "", "gs-col-num"));
  cells.push(cell("", "gs-col-actions"));
  if (leading) cells.unshift(cell("", "action-checkbox"));
  row.append(...cells);
  for (const empty of body.querySelectorAll("tr.gs-empty")) empty.remove();
  const before = [...body.querySelectorAll("tr[data-gs-generation]")].find(
    (other) => Number(other.dataset.gsGeneration) < change.generationId,
  );
  body.insertBefore(row, before || null);
  applyRow(row, change);
}

// panelRow: false for badge data (never a row), true or null (an update the server already
// matched against the panel's filters) may become a new row.
function applyChange(item, { panelRow = null } = {}) {
  if (!item) return;
  const change = normalise(item);
  if (!change.status || !(change.generationId > 0)) return;
  if (change.assetId !== null) {
    const selector = `[data-gs-badge][data-gs-asset="${CSS.escape(String(change.assetId))}"]`;
    for (const badge of document.querySelectorAll(selector)) applyBadge(badge, change);
  }
  let known = false;
  for (const row of panelRows()) {
    if (Number(row.dataset.gsGeneration) === change.generationId) {
      known = true;
      applyRow(row, change);
    }
  }
  if (!known && panelRow !== false && panel()) {
    insertRow(change);
  }
}

// -- the socket ---------------------------------------------------------------------------

function wsUrl() {
  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${window.location.host}${config.wsPath}`;
}

function send(message) {
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
  const message = {
    type: "subscribe",
    ref: "sync",
    assets: [...assets],
    generations: [...generations],
  };
  if (filters !== null) message.panel = { filters, since: maxRowId() };
  send(message);
}

// Badges or rows added after load (infinite scroll, a new card): subscribe to them too.
function subscribeNew() {
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

function onMessage(event) {
  let message;
  try {
    message = JSON.parse(event.data);
  } catch {
    return;
  }
  if (message.type === "hello") {
    state.display = message.display || {};
  } else if (message.type === "snapshot") {
    for (const [assetId, item] of Object.entries(message.assets || {})) {
      if (item) applyChange(item, { panelRow: false });
      else clearBadges(assetId);
    }
    for (const item of Object.values(message.generations || {})) applyChange(item, { panelRow: false });
    for (const item of message.panel || []) applyChange(item, { panelRow: true });
    state.synced += 1;
    root.dataset.gsSynced = String(state.synced);
    setLive("open");
  } else if (message.type === "updates") {
    for (const item of message.items || []) applyChange(item, { panelRow: null });
  } else if (message.type === "error") {
    console.warn("genstatus live:", message.code, message.message);
  }
}

function connect() {
  clearTimeout(state.reconnectTimer);
  if (!("WebSocket" in window)) {
    startPolling();
    return;
  }
  setLive(state.everOpened ? "offline" : "connecting");
  let socket;
  try {
    socket = new WebSocket(wsUrl());
  } catch {
    scheduleReconnect();
    return;
  }
  state.socket = socket;
  socket.addEventListener("open", () => {
    state.attempts = 0;
    state.everOpened = true;
    stopPolling();
    subscribeAll(); // the snapshot resyncs whatever was missed while disconnected
  });
  socket.addEventListener("message", onMessage);
  socket.addEventListener("close", (event) => {
    if (state.socket !== socket) return;
    state.socket = null;
    if (event.code === CLOSE_UNAUTHENTICATED) {
      setLive("denied"); // logged out: reconnecting would be refused again
      return;
    }
    setLive("offline");
    scheduleReconnect();
  });
}

function scheduleReconnect() {
  state.attempts += 1;
  // exponential backoff with full jitter, so a restarted server is not hit all at once
  const cap = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(state.attempts, 10));
  const delay = Math.round(cap / 2 + Math.random() * (cap / 2));
  state.reconnectTimer = setTimeout(connect, delay);
  if (state.attempts >= 3) startPolling(); // keep the page right while the socket is down
}

// -- convergence without the socket -------------------------------------------------------

async function poll() {
  if (document.hidden) return;
  const assets = [...pageAssetIds()];
  try {
    if (config.statusUrl && assets.length) {
      for (let i = 0; i < assets.length; i += 500) {
        const url = new URL(config.statusUrl, window.location.href);
        url.searchParams.set("asset", assets.slice(i, i + 500).join(","));
        const response = await fetch(url, { credentials: "same-origin" });
        if (!response.ok) continue;
        const body = await response.json();
        for (const item of Object.values(body.statuses || {})) applyChange(item, { panelRow: false });
      }
    }
    const filters = panelFilters();
    if (config.generationsUrl && filters !== null) {
      const url = new URL(config.generationsUrl, window.location.href);
      for (const [key, value] of Object.entries(filters)) if (value) url.searchParams.set(key, value);
      const response = await fetch(url, { credentials: "same-origin" });
      if (response.ok) {
        const body = await response.json();
        for (const item of body.results || []) applyChange(item, { panelRow: true });
      }
    }
  } catch {
    // offline as well: the next poll or the socket will catch up
  }
}

function startPolling() {
  if (state.pollTimer || (!config.statusUrl && !config.generationsUrl)) return;
  if (root.dataset.gsLive !== "open") setLive("polling");
  poll();
  state.pollTimer = setInterval(poll, config.pollMs);
}

function stopPolling() {
  clearInterval(state.pollTimer);
  state.pollTimer = null;
}

// Delivery is at most once: while a visible job is active, ask for a fresh snapshot now and
// then, so a lost final message cannot leave a badge spinning.
function periodicResync() {
  if (!document.hidden && anyActive()) send({ type: "resync", ref: "periodic", since: maxRowId() });
}

function start() {
  if (!badges().length && !panel()) return;
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

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();

export { applyChange, config, state };
