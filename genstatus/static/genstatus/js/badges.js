// genstatus live client: gallery badges. A badge changes by cloning the server's badge of
// the new status (<template data-gs-badge-template="<status>">, rendered once per page by
// {% genstatus_assets %}) and carrying the old badge's ids and options over; texts are set
// with setAttribute and textContent only. No label, icon or colour lives here.

import { inGroup } from "./state.js";

const OWN_CLASS = /^gs-(badge|status)(--|$)/;
let warned = false;

export function badges() {
  return document.querySelectorAll("[data-gs-badge][data-gs-asset]");
}

export function pageAssetIds() {
  const ids = new Set();
  for (const badge of badges()) if (badge.dataset.gsAsset) ids.add(badge.dataset.gsAsset);
  return ids;
}

export function badgesOf(assetId) {
  const selector = `[data-gs-badge][data-gs-asset="${CSS.escape(String(assetId))}"]`;
  return document.querySelectorAll(selector);
}

function template(status) {
  const selector = `template[data-gs-badge-template="${CSS.escape(status)}"]`;
  const found = document.querySelector(selector);
  const badge = found && found.content.querySelector(".gs-badge");
  if (!badge && !warned) {
    warned = true;
    console.warn(`genstatus live: no badge template for "${status}" ({% genstatus_assets %})`);
  }
  return badge;
}

// The fresh badge of `status` with the old one's ids, options and host classes.
function cloneFor(old, status) {
  const source = template(status);
  if (!source) return null;
  const badge = source.cloneNode(true);
  for (const { name, value } of old.attributes) {
    if (name !== "class" && !badge.hasAttribute(name)) badge.setAttribute(name, value);
  }
  for (const name of old.classList) if (!OWN_CLASS.test(name)) badge.classList.add(name);
  return badge;
}

// Newer = a newer generation of the asset (a retry), or a higher version of the same one.
export function isNewer(element, change) {
  const generation = Number(element.dataset.gsGeneration) || 0;
  const version = Number(element.dataset.gsVersion) || 0;
  if (change.generationId !== generation) return change.generationId > generation;
  return change.version > version;
}

// A failed badge's error, in the popover the server's template holds for it (its message
// element is a <bdi>): focusable, so that it opens on keyboard focus as well as on tap.
function showError(badge, message) {
  const popover = badge.querySelector(".gs-badge__error");
  const text = popover && popover.querySelector("[data-gs-error-text]");
  if (!text) return;
  text.textContent = message;
  popover.hidden = false;
  badge.setAttribute("data-gs-error", "");
  badge.setAttribute("tabindex", "0");
}

// The texts of a failed badge (its error) and of a badge with progress, as the server's
// renderer writes them: "<label>: <error>", "<label>: <description> (40%)".
function describe(badge, change) {
  const label = badge.dataset.gsLabel || change.status;
  const description = badge.dataset.gsDescription || "";
  const progressText =
    change.status === "processing" && change.progress !== null ? `${change.progress}%` : "";
  if (change.status === "failed" && change.errorMessage) {
    badge.setAttribute("title", change.errorMessage);
    badge.setAttribute("aria-label", `${label}: ${change.errorMessage}`);
    showError(badge, change.errorMessage);
  } else if (progressText) {
    badge.setAttribute("aria-label", `${label}: ${description} (${progressText})`);
  }
  const progress = badge.querySelector("[data-gs-progress-text]");
  if (progress) {
    progress.textContent = progressText;
    progress.hidden = !progressText;
  }
}

export function applyBadge(old, change) {
  if (!isNewer(old, change)) return false;
  const badge = cloneFor(old, change.status);
  if (!badge) {
    old.dataset.gsStatus = change.status; // no template: at least the state is right
    return false;
  }
  badge.setAttribute("data-gs-generation", String(change.generationId));
  badge.setAttribute("data-gs-status", change.status);
  badge.setAttribute("data-gs-version", String(change.version));
  badge.setAttribute("data-gs-progress", change.progress === null ? "" : String(change.progress));
  describe(badge, change);
  badge.hidden = change.status === "completed" && badge.dataset.gsShowCompleted !== "true";
  old.replaceWith(badge);
  return true;
}

// The snapshot says an asset has no generation (visible to this user) any more, e.g. its
// job completed into another asset: an active badge there would otherwise spin forever.
// Only active badges are cleared, so a snapshot older than a newer update cannot hide a
// finished one; an active one it hides by mistake comes back with the next snapshot.
export function clearBadges(assetId) {
  for (const old of badgesOf(assetId)) {
    if (!inGroup("active", old.dataset.gsStatus)) continue;
    const badge = cloneFor(old, "none");
    if (!badge) continue;
    // generation and version stay: a late update of the same generation is not newer
    badge.setAttribute("data-gs-generation", old.dataset.gsGeneration || "");
    badge.setAttribute("data-gs-version", old.dataset.gsVersion || "0");
    badge.setAttribute("data-gs-status", "");
    badge.setAttribute("data-gs-progress", "");
    badge.hidden = true;
    old.replaceWith(badge);
  }
}

// The error popover of failed badges: a tap or click toggles it (and does not follow a link
// the badge may sit in), keyboard focus opens it, Enter or Space toggles it, Escape and
// leaving the badge close it. genstatus.css shows it on data-gs-open (and on :focus-visible
// without data-gs-closed, for pages whose script has not run).
function errorBadge(event) {
  return event.target instanceof Element ? event.target.closest("[data-gs-badge][data-gs-error]") : null;
}

function setOpen(badge, open) {
  badge.toggleAttribute("data-gs-open", open);
  badge.toggleAttribute("data-gs-closed", !open);
}

export function installErrorPopovers(target = document) {
  target.addEventListener("click", (event) => {
    const badge = errorBadge(event);
    if (!badge) return;
    event.preventDefault();
    setOpen(badge, !badge.hasAttribute("data-gs-open"));
  });
  target.addEventListener("keydown", (event) => {
    const badge = errorBadge(event);
    if (!badge) return;
    if (event.key === "Escape") setOpen(badge, false);
    else if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      setOpen(badge, !badge.hasAttribute("data-gs-open"));
    }
  });
  target.addEventListener("focusin", (event) => {
    const badge = errorBadge(event);
    if (badge && badge.matches(":focus-visible")) setOpen(badge, true);
  });
  target.addEventListener("focusout", (event) => {
    const badge = errorBadge(event);
    if (badge && !badge.contains(event.relatedTarget)) {
      badge.removeAttribute("data-gs-open");
      badge.removeAttribute("data-gs-closed");
    }
  });
}
