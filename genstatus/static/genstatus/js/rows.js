// genstatus live client: Generations panel rows. A row is never built here: a changed row
// is fetched again from the panel's row endpoint (data-gs-rows-url, the one row template,
// byte-identical to a reload) and replaced; a new generation's row is fetched with the
// panel's filters (data-gs-query) and inserted on top when the page shows the newest rows
// (data-gs-first-page="true"). Ids of one frame go out in one request (at most 50 each).

const BATCH = 50;
const DEBOUNCE_MS = 30;
const queued = { refresh: new Map(), insert: new Map() };
let timer = null;

export function panel() {
  return document.querySelector("[data-gs-panel]");
}

export function panelRows() {
  const element = panel();
  return element ? element.querySelectorAll("tr[data-gs-generation]") : [];
}

export function rowOf(generationId) {
  const element = panel();
  const selector = `tr[data-gs-generation="${CSS.escape(String(generationId))}"]`;
  return element ? element.querySelector(selector) : null;
}

// The panel's filters, for the subscribe frame: data-gs-filters (JSON), else the query.
export function panelFilters() {
  const element = panel();
  if (!element) return null;
  if (element.dataset.gsFilters === undefined) {
    return Object.fromEntries(new URLSearchParams(element.dataset.gsQuery || ""));
  }
  try {
    const filters = JSON.parse(element.dataset.gsFilters || "{}");
    return filters && typeof filters === "object" ? filters : {};
  } catch {
    return {};
  }
}

// New rows go on top only on the page of the newest rows: elsewhere they would be out of order.
function takesNewRows(element) {
  if (element.dataset.gsFirstPage !== undefined) return element.dataset.gsFirstPage === "true";
  return !/[?&](before|after|cursor)=/.test(window.location.search);
}

export function maxRowId() {
  let max = 0;
  for (const row of panelRows()) max = Math.max(max, Number(row.dataset.gsGeneration) || 0);
  return max;
}

export function pageGenerationIds() {
  const ids = new Set();
  for (const row of panelRows()) {
    const id = Number(row.dataset.gsGeneration);
    if (id > 0) ids.add(id);
  }
  return ids;
}

// A change of a generation: fetch its row when it is on the page and the change is newer,
// or (mayInsert) when it is not on the page and new rows belong here.
export function queueRow(change, { mayInsert }) {
  const element = panel();
  if (!element || !element.dataset.gsRowsUrl) return;
  const row = rowOf(change.generationId);
  if (row) {
    if (change.version > (Number(row.dataset.gsVersion) || 0)) {
      queued.refresh.set(change.generationId, change.version);
    }
  } else if (mayInsert && takesNewRows(element)) {
    queued.insert.set(change.generationId, change.version);
  } else {
    return;
  }
  clearTimeout(timer);
  timer = setTimeout(fetchQueued, DEBOUNCE_MS);
}

function fetchQueued() {
  timer = null;
  const element = panel();
  if (!element) return;
  const refresh = [...queued.refresh.keys()];
  const insert = [...queued.insert.keys()].filter((id) => !queued.refresh.has(id));
  queued.refresh.clear();
  queued.insert.clear();
  for (let i = 0; i < refresh.length; i += BATCH) {
    fetchRows(element, "", refresh.slice(i, i + BATCH));
  }
  for (let i = 0; i < insert.length; i += BATCH) {
    fetchRows(element, element.dataset.gsQuery || "", insert.slice(i, i + BATCH));
  }
}

async function fetchRows(element, query, ids) {
  const url = new URL(element.dataset.gsRowsUrl, window.location.href);
  url.search = query;
  for (const id of ids) url.searchParams.append("ids", String(id));
  let html;
  try {
    const response = await fetch(url, {
      credentials: "same-origin",
      headers: { Accept: "text/html" },
    });
    if (!response.ok) return;
    html = await response.text();
  } catch {
    return; // offline: the next snapshot or poll brings the row again
  }
  placeRows(element, html);
}

// The server's rows, parsed in the context of the panel's <tbody> (a <tr> needs a table).
function parseRows(body, html) {
  const range = document.createRange();
  range.selectNodeContents(body);
  const fragment = range.createContextualFragment(html);
  return [...fragment.querySelectorAll("tr[data-gs-generation]")];
}

function placeRows(element, html) {
  const body = element.querySelector("tbody[data-gs-rows], tbody");
  if (!body || !html.trim()) return;
  for (const row of parseRows(body, html)) {
    const old = rowOf(row.dataset.gsGeneration);
    if (old) {
      if ((Number(row.dataset.gsVersion) || 0) >= (Number(old.dataset.gsVersion) || 0)) {
        keepChecked(old, row);
        old.replaceWith(row);
      }
    } else {
      insertRow(body, row);
    }
  }
}

// A checked row stays checked when it is replaced (the user is choosing an action).
function keepChecked(old, row) {
  for (const box of old.querySelectorAll("input[type=checkbox]:checked")) {
    const name = CSS.escape(box.name);
    const twin = row.querySelector(`input[type=checkbox][name="${name}"]`);
    if (twin) twin.checked = true;
  }
}

// An inserted row is highlighted (panel.css animates .gs-new): the server's row plus that
// one class, until a later change replaces it with the server's row again.
function insertRow(body, row) {
  row.classList.add("gs-new");
  for (const empty of body.querySelectorAll("tr.gs-empty")) empty.remove();
  const id = Number(row.dataset.gsGeneration);
  const before = [...body.querySelectorAll("tr[data-gs-generation]")].find(
    (other) => Number(other.dataset.gsGeneration) < id,
  );
  body.insertBefore(row, before || null);
}
