// genstatus live client: one change (a WebSocket item or a REST API item) applied to the
// page's badges and panel rows, only when its version is newer than what they show.

import { applyBadge, badgesOf } from "./badges.js";
import { queueCounts } from "./counts.js";
import { panel, queueRow, rowOf } from "./rows.js";

function normalise(item) {
  return {
    generationId: Number(item.generation_id ?? item.id),
    assetId: item.asset_id ?? item.asset ?? null,
    status: item.status,
    version: Number(item.version) || 0,
    progress: item.progress ?? null,
    errorMessage: item.error_message || "",
  };
}

// panelRow: false for badge data (never a new row); true or null (an update the server
// already matched against the panel's filters) may become a new row.
export function applyChange(item, { panelRow = null } = {}) {
  if (!item) return;
  const change = normalise(item);
  if (!change.status || !(change.generationId > 0)) return;
  if (change.assetId !== null) {
    for (const badge of badgesOf(change.assetId)) applyBadge(badge, change);
  }
  if (panel()) {
    if (movesCounts(item, change)) queueCounts();
    queueRow(change, { mayInsert: panelRow !== false });
  }
}

// Whether a change may move the panel's tab counts: a created or retried generation, or a
// status other than the one its row shows (a row not on the page: unless only its progress
// or a cancel request changed).
const SAME_STATUS_KINDS = new Set(["progressed", "cancel_requested"]);

function movesCounts(item, change) {
  if (item.kind === "created" || item.kind === "retried") return true;
  const row = rowOf(change.generationId);
  if (row) return row.dataset.gsStatus !== change.status;
  return !SAME_STATUS_KINDS.has(item.kind);
}
