// genstatus live client: the Generations panel's tab counts. After a change that may move
// them (changes.js), the counts are fetched again from the panel's counts endpoint
// (data-gs-counts-url, with the page's filters from data-gs-query), at most once a second
// and one request at a time, and each [data-gs-count="<slug>"] gets the server's text and
// title. The server counts as the page does (capped, never a COUNT(*) of the table).

import { panel } from "./rows.js";

const DELAY_MS = 1000;
let timer = null;
let inflight = false;
let again = false;

// A refresh within a second of the first change asked for (not pushed back by later
// changes: a steady stream of changes still refreshes the counts every second).
export function queueCounts() {
  const element = panel();
  if (!element || !element.dataset.gsCountsUrl || timer) return;
  timer = setTimeout(refresh, DELAY_MS);
}

async function refresh() {
  timer = null;
  const element = panel();
  if (!element) return;
  if (inflight) {
    again = true; // one request at a time: ask again when this one is back
    return;
  }
  inflight = true;
  try {
    const url = new URL(element.dataset.gsCountsUrl, window.location.href);
    url.search = element.dataset.gsQuery || "";
    const response = await fetch(url, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    if (response.ok) showCounts((await response.json()).counts);
  } catch {
    // offline: the next change or snapshot asks again
  } finally {
    inflight = false;
    if (again) {
      again = false;
      queueCounts();
    }
  }
}

function showCounts(counts) {
  for (const [slug, count] of Object.entries(counts || {})) {
    if (!count || typeof count !== "object") continue;
    const selector = `[data-gs-count="${CSS.escape(slug)}"]`;
    for (const target of document.querySelectorAll(selector)) {
      target.textContent = String(count.text ?? "");
      if (count.title) target.setAttribute("title", String(count.title));
      else target.removeAttribute("title");
    }
  }
}
