// Explain this text, live: as the text changes, the form is posted in the background (marked `live`,
// so that it is not counted as a question) and the explanation below it is replaced by the one in the
// page that comes back. The server renders every explanation: this script only moves it into place.
// Without it the form posts as a plain form.
(function () {
  "use strict";

  const form = document.querySelector(".explain-form");
  if (!form || !window.fetch || !window.DOMParser) return;
  const text = form.querySelector("textarea");
  const count = document.getElementById("explain-count");
  const status = document.getElementById("explain-status");
  const limit = Number(form.dataset.limit);
  let timer = null;
  let pending = null;

  function showCount() {
    const n = text.value.replace(/\r\n/g, "\n").length;
    count.textContent = n ? n.toLocaleString("en-US") + " of " + limit.toLocaleString("en-US") + " characters" : "";
  }

  async function update() {
    if (!text.value.trim()) {  // nothing left to explain: nothing shown
      if (pending) pending.abort();
      const current = document.getElementById("explanation");
      current.replaceChildren();
      current.removeAttribute("aria-labelledby");
      status.textContent = "";
      return;
    }
    if (pending) pending.abort();
    pending = new AbortController();
    const body = new FormData(form);
    body.append("live", "1");
    let page;
    try {
      const response = await fetch(form.action, { method: "POST", body: body, signal: pending.signal, credentials: "same-origin" });
      page = new DOMParser().parseFromString(await response.text(), "text/html");
    } catch (e) {
      return; // aborted by a newer change, or offline: the Explain button still works
    }
    const fresh = page.getElementById("explanation");
    const current = document.getElementById("explanation");
    if (!fresh || !current) return;
    current.replaceWith(document.importNode(fresh, true));
    const counted = fresh.querySelector(".explained-count, .notice");
    status.textContent = counted ? counted.textContent.trim() : "";
  }

  text.addEventListener("input", function () {
    showCount();
    clearTimeout(timer);
    timer = setTimeout(update, 400);
  });
  showCount();
  // Text pasted before this script ran (a slow connection) is explained now.
  if (text.value.trim() && !document.getElementById("explanation").children.length) update();
})();
