// genstatus live client: one change (a WebSocket item or a REST API item) applied to the
// page's badges and panel rows, only when its version is newer than what they show.

import { applyBadge, badgesOf } from "./badges.js";
import { panel, queueRow } from "./rows.js";

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
  if (panel()) queueRow(change, { mayInsert: panelRow !== false });
}
