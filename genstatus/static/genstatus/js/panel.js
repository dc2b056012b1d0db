// Generations panel: a row's detail in a full-width row under it, loaded the first time
// it is expanded (the link inside each row works without JavaScript), and the
// select-all checkbox. A static module, so a strict Content-Security-Policy needs no
// nonce for the panel.
const rows = document.querySelector("[data-gs-rows]");

function detailRowOf(row) {
  const next = row.nextElementSibling;
  return next && next.matches("tr[data-gs-detail-for]") ? next : null;
}

async function load(details, body) {
  if (details.dataset.gsLoaded) return;
  details.dataset.gsLoaded = "1";
  try {
    const response = await fetch(details.dataset.gsDetailUrl, { credentials: "same-origin" });
    if (!response.ok) throw new Error(String(response.status));
    const doc = new DOMParser().parseFromString(await response.text(), "text/html");
    body.replaceChildren(...doc.body.childNodes);
  } catch (error) {
    delete details.dataset.gsLoaded;
  }
}

function toggle(details) {
  const row = details.closest("tr[data-gs-generation]");
  if (!row) return;
  let detailRow = detailRowOf(row);
  if (!details.open) {
    const body = detailRow && detailRow.querySelector("[data-gs-detail-body]");
    if (body) details.append(body); // back where a reload has it
    detailRow?.remove();
    return;
  }
  const body = details.querySelector("[data-gs-detail-body]");
  if (!body) return;
  if (!detailRow) {
    detailRow = document.createElement("tr");
    detailRow.className = "gs-detail-row";
    detailRow.dataset.gsDetailFor = row.dataset.gsGeneration;
    const cell = document.createElement("td");
    cell.colSpan = row.cells.length;
    detailRow.append(cell);
    row.after(detailRow);
  }
  detailRow.cells[0].append(body);
  load(details, body);
}

rows?.addEventListener("toggle", (event) => {
  if (event.target.matches("details.gs-detail")) toggle(event.target);
}, true);

// A row the live client replaced or removed leaves its detail row behind: drop it.
if (rows) {
  new MutationObserver(() => {
    for (const detailRow of rows.querySelectorAll("tr[data-gs-detail-for]")) {
      const row = detailRow.previousElementSibling;
      const open = row?.matches(`tr[data-gs-generation="${detailRow.dataset.gsDetailFor}"]`)
        && row.querySelector("details.gs-detail[open]");
      if (!open) detailRow.remove();
    }
  }).observe(rows, { childList: true });
}

// Select all: the header checkbox ticks every row of the page, and follows the rows.
const selectAll = document.querySelector("[data-gs-select-all]");
function boxes() {
  return [...document.querySelectorAll("[data-gs-rows] input.action-select")];
}
selectAll?.addEventListener("change", () => {
  for (const box of boxes()) box.checked = selectAll.checked;
});
rows?.addEventListener("change", (event) => {
  if (!selectAll || !event.target.matches("input.action-select")) return;
  const all = boxes();
  const ticked = all.filter((box) => box.checked).length;
  selectAll.checked = ticked > 0 && ticked === all.length;
  selectAll.indeterminate = ticked > 0 && ticked < all.length;
});
