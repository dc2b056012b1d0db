// genstatus: badges placed over images in markup genstatus does not render (a plain ES
// module, no build step), loaded once per page by {% genstatus_assets %}.
//
// Two sources of placed badges:
// - settings-declared targets (GENSTATUS_BADGE_TARGETS), whose JSON configuration the
//   server puts in <script type="application/json" data-gs-targets>: the cards are found
//   here, their asset ids read (an attribute, or a pattern over a link), and their badges
//   fetched from the server in ONE request per burst of new cards (server-rendered markup,
//   escaped there), then placed after each card's image;
// - {% genstatus_badge_wrap %}, whose badges the server rendered already, in an anchor
//   (<span data-gs-anchor>) after the wrapped image.
//
// Placing: the anchor is absolutely positioned with auto offsets (so it sits where the
// image is in the flow, whatever the markup: an inline <a>, a table cell, a grid box), then
// moved by the measured distance to the image's box and given its size; the badges sit in
// its top-right corner. Re-placed when images load or resize, the window resizes, or the
// page changes. Once badges are on the page, the live client (live.js) is told
// ("genstatus:badges" event) and keeps them live. No text lives here.

const IMAGE = "img, picture, video, canvas, svg, [data-gs-image]";
const COMPACT_PX = 56; // a smaller image gets smaller badges (data-gs-compact)
const SCAN_DELAY_MS = 100;
const MIN_VISIBLE_PX = 48; // a badge shows while this much of its image is in its scrolling box

const targets = [];
let badgesUrl = "";
let maxBatch = 500;
const cards = new WeakMap(); // card -> {anchor, image} once placed, {pending: true} while fetched
const placed = new Map(); // anchor -> the image it is placed on
const scrollers = new WeakMap(); // anchor -> the scrolling box it does not scroll with, or null
let scanTimer = null;
let frame = 0;
let resizeObserver = null;

function warn(...args) {
  console.warn("genstatus targets:", ...args);
}

function readConfig() {
  for (const script of document.querySelectorAll('script[type="application/json"][data-gs-targets]')) {
    let config;
    try {
      config = JSON.parse(script.textContent || "{}");
    } catch {
      warn("unreadable configuration");
      continue;
    }
    badgesUrl = badgesUrl || config.badgesUrl || "";
    maxBatch = Number(config.maxBatch) || maxBatch;
    for (const target of config.targets || []) {
      try {
        document.querySelector(target.cards);
        if (target.image) document.querySelector(target.image);
        const link = target.idLink ? new RegExp(target.idLink) : null;
        targets.push({ ...target, link });
      } catch (error) {
        warn(`target ${JSON.stringify(target.cards)} skipped:`, error.message);
      }
    }
  }
}


function idOf(card, target) {
  if (target.idAttribute) {
    if (card.hasAttribute(target.idAttribute)) return card.getAttribute(target.idAttribute);
    const holder = card.querySelector(`[${CSS.escape(target.idAttribute)}]`);
    return holder ? holder.getAttribute(target.idAttribute) : null;
  }
  const links = card.matches("a[href]") ? [card] : card.querySelectorAll("a[href]");
  for (const link of links) {
    const match = target.link.exec(link.href);
    if (match) return (match.groups && match.groups.id) || match[1] || null;
  }
  return null;
}

function imageOf(card, target) {
  if (!target.image) return card;
  if (card.matches(target.image)) return card;
  return card.querySelector(target.image);
}


function anchorFor(markup) {
  const anchor = document.createElement("span");
  anchor.className = "gs-anchor";
  anchor.setAttribute("data-gs-anchor", "");
  // server-rendered badge markup, escaped by the server's badge renderer
  anchor.innerHTML = markup;
  return anchor;
}

function track(anchor, image) {
  placed.set(anchor, image);
  scrollers.delete(anchor);
  if (resizeObserver) resizeObserver.observe(image);
}

function insertAfter(image, anchor) {
  const parent = image.parentElement;
  const host = parent && parent.tagName === "PICTURE" ? parent : image;
  host.after(anchor);
}

// A scrolling (or clipping) box between the image and the anchor's containing block (a
// carousel, a table that scrolls sideways): the anchor does not scroll with it, so anchors
// are re-placed on scroll and placed on the part of the image that box shows.
function scrollerOf(anchor, image) {
  if (!scrollers.has(anchor)) {
    const block = anchor.offsetParent;
    let found = null;
    for (let node = image.parentElement; node && node !== block; node = node.parentElement) {
      if (node === document.body || node === document.documentElement) break;
      const style = getComputedStyle(node);
      if (style.overflowX !== "visible" || style.overflowY !== "visible") {
        found = node;
        break;
      }
    }
    scrollers.set(anchor, found);
  }
  return scrollers.get(anchor);
}

// The part of the image a badge may sit on: all of it, or what its scrolling box shows.
function visiblePart(image, clip) {
  if (!clip) return image;
  const left = Math.max(image.left, clip.left);
  const top = Math.max(image.top, clip.top);
  const right = Math.min(image.right, clip.right);
  const bottom = Math.min(image.bottom, clip.bottom);
  return { left, top, width: Math.max(0, right - left), height: Math.max(0, bottom - top) };
}

// Move every anchor onto its image: reset, measure all, then write all (two layouts). An
// anchor whose image is hidden, or scrolled out of its box, is not displayed (so it cannot
// widen the page either).
function placeAll() {
  frame = 0;
  const items = [];
  for (const [anchor, image] of placed) {
    if (anchor.isConnected && image.isConnected) items.push({ anchor, image });
    else placed.delete(anchor);
  }
  for (const { anchor } of items) {
    anchor.style.display = "";
    anchor.style.marginLeft = "0px";
    anchor.style.marginTop = "0px";
  }
  const boxes = items.map(({ anchor, image }) => {
    const scroller = scrollerOf(anchor, image);
    const rect = image.getBoundingClientRect();
    const part = visiblePart(rect, scroller && scroller.getBoundingClientRect());
    return [anchor.getBoundingClientRect(), rect, part, scroller ? MIN_VISIBLE_PX : 1];
  });
  items.forEach(({ anchor }, index) => {
    const [at, image, part, least] = boxes[index];
    if (part.width < least || part.height < least) {
      anchor.style.display = "none";
      return;
    }
    anchor.style.marginLeft = `${part.left - at.left}px`;
    anchor.style.marginTop = `${part.top - at.top}px`;
    anchor.style.width = `${part.width}px`;
    anchor.style.height = `${part.height}px`;
    anchor.toggleAttribute("data-gs-compact", Math.min(image.width, image.height) < COMPACT_PX);
  });
}

function schedulePlace() {
  if (!frame) frame = requestAnimationFrame(placeAll);
}

// {% genstatus_badge_wrap %}: the anchor follows what it wraps; its image is the nearest
// image before it (the wrapped element or inside it).
function wrappedImage(anchor) {
  for (let node = anchor.previousElementSibling; node; node = node.previousElementSibling) {
    if (node.matches(IMAGE)) return node.tagName === "PICTURE" ? node.querySelector("img") || node : node;
    const inside = node.querySelectorAll(IMAGE);
    if (inside.length) return inside[inside.length - 1];
  }
  return null;
}

const wrapped = new WeakSet();

function placeWrapped() {
  for (const anchor of document.querySelectorAll("[data-gs-anchor][data-gs-wrap]")) {
    if (wrapped.has(anchor)) continue;
    const image = wrappedImage(anchor);
    if (!image) continue;
    wrapped.add(anchor);
    track(anchor, image);
  }
}


// The badge of an asset the server was not asked about (no badges URL, a failed request):
// the server's "none" badge, hidden, which the live client's snapshot fills in.
function placeholder(assetId) {
  const template = document.querySelector('template[data-gs-badge-template="none"]');
  const badge = template && template.content.querySelector(".gs-badge");
  if (!badge) return "";
  const clone = badge.cloneNode(true);
  clone.setAttribute("data-gs-asset", assetId);
  clone.setAttribute("data-gs-generation", "");
  clone.setAttribute("data-gs-version", "0");
  clone.setAttribute("data-gs-progress", "");
  clone.setAttribute("data-gs-show-completed", "false");
  const box = document.createElement("span");
  box.className = "gs-badges gs-badges--overlay";
  box.append(clone);
  return box.outerHTML;
}

// {asset id: markup} from the server; null when it could not be asked (placeholders then).
async function fetchBadges(assetIds) {
  if (!badgesUrl) return null;
  const badges = {};
  for (let i = 0; i < assetIds.length; i += maxBatch) {
    const url = new URL(badgesUrl, window.location.href);
    url.searchParams.set("asset", assetIds.slice(i, i + maxBatch).join(","));
    try {
      const response = await fetch(url, { credentials: "same-origin" });
      if (response.status === 403) return {}; // logged out: no badges to show
      if (!response.ok) return null;
      Object.assign(badges, (await response.json()).badges || {});
    } catch {
      return null; // offline: placeholders, the live client's snapshot fills them in
    }
  }
  return badges;
}

// A card placed before whose image the host replaced: its badge moves to the new image.
function moved(known, card, target) {
  const image = imageOf(card, target);
  if (!image || image === known.image) return true;
  insertAfter(image, known.anchor);
  cards.set(card, { anchor: known.anchor, image });
  track(known.anchor, image);
  return true;
}

function newCards() {
  const found = [];
  for (const target of targets) {
    for (const card of document.querySelectorAll(target.cards)) {
      const known = cards.get(card);
      if (known && (known.pending || (known.anchor.isConnected && moved(known, card, target)))) {
        continue;
      }
      const assetId = idOf(card, target);
      const image = assetId && imageOf(card, target);
      if (!image) continue;
      cards.set(card, { pending: true });
      found.push({ card, image, assetId });
    }
  }
  return found;
}

async function scan() {
  scanTimer = null;
  placeWrapped();
  const found = newCards();
  if (found.length) {
    const badges = await fetchBadges([...new Set(found.map((item) => item.assetId))]);
    for (const { card, image, assetId } of found) {
      // an id the server did not read as one gets no badge
      const markup = badges === null ? placeholder(assetId) : badges[assetId] || "";
      if (!markup || !image.isConnected) {
        cards.delete(card);
        continue;
      }
      const anchor = anchorFor(markup);
      insertAfter(image, anchor);
      cards.set(card, { anchor, image });
      track(anchor, image);
    }
  }
  placeAll();
  if (placed.size) document.dispatchEvent(new CustomEvent("genstatus:badges"));
}

function scheduleScan() {
  clearTimeout(scanTimer);
  scanTimer = setTimeout(scan, SCAN_DELAY_MS);
}

function ownMutation(record) {
  const target = record.target instanceof Element ? record.target : record.target.parentElement;
  if (target && target.closest("[data-gs-anchor]")) return true; // a badge changed
  const nodes = [...record.addedNodes, ...record.removedNodes];
  return nodes.length > 0 && nodes.every((node) => node instanceof Element && node.matches("[data-gs-anchor]"));
}

// Also on pages without targets or anchors yet: wrapped badges may come later (a page of
// cards loaded by infinite scroll); the observers are idle until then.
function start() {
  readConfig();
  if ("ResizeObserver" in window) resizeObserver = new ResizeObserver(schedulePlace);
  window.addEventListener("resize", schedulePlace);
  document.addEventListener("load", schedulePlace, true); // images, capturing
  document.addEventListener(
    "scroll",
    (event) => {
      if (event.target !== document && placed.size) schedulePlace(); // a box, not the page
    },
    { capture: true, passive: true },
  );
  if (document.fonts) document.fonts.ready.then(schedulePlace);
  new MutationObserver((records) => {
    if (records.every(ownMutation)) return;
    scheduleScan();
    schedulePlace();
  }).observe(document.body, { childList: true, subtree: true });
  scan();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
