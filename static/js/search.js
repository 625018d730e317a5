// Search suggestions as you type, following the ARIA combobox pattern (listbox popup).
// Without this script the search box is a plain form that shows a results page.
(function () {
  "use strict";

  function init() {
    const form = document.querySelector("form.site-search");
    if (!form || !window.fetch) return;
    const input = form.querySelector("input[name=q]");
    const list = document.createElement("ul");
    const status = document.createElement("p");
    let results = [];
    let active = -1;
    let timer = null;
    let latest = 0;

    list.id = "site-search-list";
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Suggestions");
    list.hidden = true;
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    form.append(list, status);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      active = index;
      Array.from(list.children).forEach((li, i) => li.setAttribute("aria-selected", String(i === index)));
      if (index >= 0) input.setAttribute("aria-activedescendant", list.children[index].id);
      else input.removeAttribute("aria-activedescendant");
    }

    function show(items) {
      results = items;
      list.replaceChildren();
      items.forEach((item, i) => {
        const li = document.createElement("li");
        li.id = "site-search-option-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        const title = document.createElement("span");
        title.className = "suggestion-title";
        title.textContent = item.abbreviation ? item.abbreviation + " · " + item.title : item.title;
        li.append(title);
        if (item.sense) {
          const sense = document.createElement("span");
          sense.className = "suggestion-sense";
          sense.textContent = item.sense;
          li.append(" ", sense);
        }
        li.addEventListener("mousedown", (event) => {
          event.preventDefault();
          window.location.assign(item.url);
        });
        list.append(li);
      });
      const count = items.length;
      status.textContent = count ? count + (count === 1 ? " suggestion" : " suggestions") + ", use the arrow keys to choose" : "No suggestions";
      if (count) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
        highlight(-1);
      } else {
        close();
      }
    }

    async function fetchSuggestions() {
      const query = input.value.trim();
      if (query.length < 2) {
        close();
        status.textContent = "";
        return;
      }
      const ticket = ++latest;
      try {
        const response = await fetch(form.dataset.suggestUrl + "?q=" + encodeURIComponent(query));
        const data = await response.json();
        if (ticket === latest) show(data.results || []);
      } catch (error) {
        close();
      }
    }

    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(fetchSuggestions, 150);
    });
    input.addEventListener("keydown", (event) => {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (list.hidden) {
          if (results.length) { list.hidden = false; input.setAttribute("aria-expanded", "true"); }
          else return;
        }
        event.preventDefault();
        const step = event.key === "ArrowDown" ? 1 : -1;
        let next = active + step;
        if (next >= results.length) next = 0;
        if (next < 0) next = results.length - 1;
        highlight(next);
      } else if (event.key === "Enter" && !list.hidden && active >= 0) {
        event.preventDefault();
        window.location.assign(results[active].url);
      } else if (event.key === "Escape") {
        if (!list.hidden) {
          event.preventDefault();
          close();
        } else {
          input.value = "";
        }
      }
    });
    input.addEventListener("blur", () => setTimeout(close, 100));
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
