// genstatus live client: convergence without the socket, by polling the REST API
// (data-gs-status-url for badges, data-gs-generations-url for the panel).

import { pageAssetIds } from "./badges.js";
import { applyChange } from "./changes.js";
import { panelFilters } from "./rows.js";
import { config, root, setLive, state } from "./state.js";

const ASSETS_PER_REQUEST = 500;

async function getJson(url) {
  const response = await fetch(url, { credentials: "same-origin" });
  return response.ok ? response.json() : null;
}

async function pollBadges() {
  const assets = [...pageAssetIds()];
  if (!config.statusUrl) return;
  for (let i = 0; i < assets.length; i += ASSETS_PER_REQUEST) {
    const url = new URL(config.statusUrl, window.location.href);
    url.searchParams.set("asset", assets.slice(i, i + ASSETS_PER_REQUEST).join(","));
    const body = await getJson(url);
    for (const item of Object.values((body && body.statuses) || {})) {
      applyChange(item, { panelRow: false });
    }
  }
}

async function pollPanel() {
  const filters = panelFilters();
  if (!config.generationsUrl || filters === null) return;
  const url = new URL(config.generationsUrl, window.location.href);
  for (const [key, value] of Object.entries(filters)) if (value) url.searchParams.set(key, value);
  const body = await getJson(url);
  for (const item of (body && body.results) || []) applyChange(item, { panelRow: true });
}

async function poll() {
  if (document.hidden) return;
  try {
    await pollBadges();
    await pollPanel();
  } catch {
    // offline as well: the next poll or the socket will catch up
  }
}

export function startPolling() {
  if (state.pollTimer || (!config.statusUrl && !config.generationsUrl)) return;
  if (root.dataset.gsLive !== "open") setLive("polling");
  poll();
  state.pollTimer = setInterval(poll, config.pollMs);
}

export function stopPolling() {
  clearInterval(state.pollTimer);
  state.pollTimer = null;
}
