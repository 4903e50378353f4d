// firehose-local console: refreshes the live parts of a page (elements with
// data-live-id) every data-live milliseconds by fetching the page again.
// Buttons and forms sit outside those parts, so a click is never lost to a
// refresh; when the page's structure changed (a stream was created, a demo
// run ended), the whole data-live-root is replaced unless a form field has
// the focus. No external code, no inline script.
(() => {
  "use strict";
  const every = Number(document.body.dataset.live || 0);
  if (!every) return;
  const liveIds = (doc) => Array.from(doc.querySelectorAll("[data-live-id]"), (e) => e.dataset.liveId).join("\n");
  let busy = false;
  async function refresh() {
    if (busy || document.hidden) return;
    busy = true;
    try {
      const res = await fetch(location.href, { cache: "no-store", credentials: "same-origin", headers: { Accept: "text/html" } });
      if (!res.ok) return;
      const doc = new DOMParser().parseFromString(await res.text(), "text/html");
      const open = Array.from(document.querySelectorAll("details[open][id]"), (d) => d.id);
      if (liveIds(doc) !== liveIds(document)) {
        const active = document.activeElement;
        if (active && active.form) return; // the user is filling in a form
        const root = document.querySelector("[data-live-root]");
        const next = doc.querySelector("[data-live-root]");
        if (root && next) root.replaceWith(document.importNode(next, true));
      } else {
        for (const fresh of doc.querySelectorAll("[data-live-id]")) {
          const cur = document.querySelector('[data-live-id="' + CSS.escape(fresh.dataset.liveId) + '"]');
          if (cur && cur.innerHTML !== fresh.innerHTML) cur.innerHTML = fresh.innerHTML;
        }
      }
      for (const id of open) {
        const d = document.getElementById(id);
        if (d) d.open = true;
      }
    } catch (e) {
      // The server may be restarting: try again next time.
    } finally {
      busy = false;
    }
  }
  setInterval(refresh, every);
})();
