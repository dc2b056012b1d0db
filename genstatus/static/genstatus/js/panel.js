// Generations panel: load a row's detail the first time it is expanded.
// (The link inside each row works without JavaScript.) A static module, so a strict
// Content-Security-Policy needs no nonce for the panel.
document.querySelector("[data-gs-rows]")?.addEventListener("toggle", async (event) => {
  const details = event.target;
  if (!details.open || details.dataset.gsLoaded) return;
  details.dataset.gsLoaded = "1";
  const body = details.querySelector("[data-gs-detail-body]");
  try {
    const response = await fetch(details.dataset.gsDetailUrl, { credentials: "same-origin" });
    if (!response.ok) throw new Error(String(response.status));
    const doc = new DOMParser().parseFromString(await response.text(), "text/html");
    body.replaceChildren(...doc.body.childNodes);
  } catch (error) {
    delete details.dataset.gsLoaded;
  }
}, true);
