// A short preview of a term (abbreviation, title, summary) when a link to it is hovered or focused.
// Escape closes it; readers can turn previews off, and the choice is remembered on this device.
// Without this script every term link is a plain link.
(function () {
  "use strict";

  const STORAGE_KEY = "glossary-previews";
  const TERM_PATH = /^\/terms\/[a-z0-9]+(?:-[a-z0-9]+)*\/$/;
  const cache = new Map();
  let tip = null;
  let current = null;
  let timer = null;

  function enabled() {
    try { return window.localStorage.getItem(STORAGE_KEY) !== "off"; } catch (e) { return true; }
  }

  function isTermLink(link) {
    return link && link.matches("a[href]") && TERM_PATH.test(link.getAttribute("href")) &&
      !link.closest(".term-preview, .site-nav, .breadcrumbs") && link.getAttribute("href") !== window.location.pathname;
  }

  function hide() {
    clearTimeout(timer);
    if (current) current.removeAttribute("aria-describedby");
    current = null;
    if (tip) tip.hidden = true;
  }

  async function load(href) {
    if (!cache.has(href)) {
      cache.set(href, fetch(href + "preview.json").then((r) => (r.ok ? r.json() : null)).catch(() => null));
    }
    return cache.get(href);
  }

  function place(link) {
    // Below the link, or above it when there is no room: never over the link itself.
    const box = link.getBoundingClientRect();
    tip.style.left = Math.max(8, Math.min(box.left, window.innerWidth - tip.offsetWidth - 8)) + window.scrollX + "px";
    const below = box.bottom + 8;
    const top = below + tip.offsetHeight > window.innerHeight && box.top > tip.offsetHeight + 8
      ? box.top - tip.offsetHeight - 8 : below;
    tip.style.top = top + window.scrollY + "px";
  }

  async function show(link) {
    const data = await load(link.getAttribute("href"));
    if (!data || current !== link) return;
    tip.replaceChildren();
    const heading = document.createElement("p");
    heading.className = "term-preview-title";
    heading.textContent = data.abbreviation ? data.abbreviation + " · " + data.title : data.title;
    const summary = document.createElement("p");
    summary.textContent = data.summary;
    tip.append(heading);
    if (data.sense) {
      const sense = document.createElement("p");
      sense.className = "term-preview-sense";
      sense.textContent = data.sense;
      tip.append(sense);
    }
    tip.append(summary);
    tip.hidden = false;
    place(link);
    link.setAttribute("aria-describedby", tip.id);
  }

  function schedule(link, delay) {
    if (!enabled() || !isTermLink(link)) return;
    clearTimeout(timer);
    if (current && current !== link) hide();
    current = link;
    timer = setTimeout(() => show(link), delay);
  }

  function addToggle() {
    const footer = document.querySelector(".site-footer .wrap");
    if (!footer) return;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "preview-toggle";
    function label() {
      button.textContent = enabled() ? "Turn link previews off" : "Turn link previews on";
      button.setAttribute("aria-pressed", String(!enabled()));
    }
    button.addEventListener("click", () => {
      try { window.localStorage.setItem(STORAGE_KEY, enabled() ? "off" : "on"); } catch (e) { /* private mode */ }
      hide();
      label();
    });
    label();
    footer.append(button);
  }

  function init() {
    if (!window.fetch) return;
    tip = document.createElement("div");
    tip.id = "term-preview";
    tip.className = "term-preview";
    tip.setAttribute("role", "tooltip");
    tip.hidden = true;
    // Inside the main landmark, where the links it describes are.
    (document.querySelector("main") || document.body).append(tip);
    document.addEventListener("mouseover", (e) => schedule(e.target.closest("a"), 350));
    document.addEventListener("mouseout", (e) => { if (e.target.closest("a") === current) hide(); });
    document.addEventListener("focusin", (e) => schedule(e.target.closest("a"), 0));
    document.addEventListener("focusout", (e) => { if (e.target.closest("a") === current) hide(); });
    document.addEventListener("keydown", (e) => { if (e.key === "Escape" && current) hide(); });
    window.addEventListener("scroll", () => { if (current && !tip.hidden) place(current); }, { passive: true });
    addToggle();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
