// The quiz, enhanced: "Check this answer" shows its feedback in place, focused and announced, and the
// answers ticked but not yet checked are kept in a cookie, so that reload, Back and Forward show them.
// Without this script every button sends the form and the server does the same work; nothing here
// is needed. The first answer checked for a question is recorded on the server and is the one that counts.
(function () {
  "use strict";

  const form = document.querySelector("form.quiz");
  if (!form || !window.fetch) return;

  // A page restored from the back-forward cache shows the state it was left in; the server and the
  // cookies know the current one (a question checked since, or the attempt sent).
  window.addEventListener("pageshow", (event) => { if (event.persisted) window.location.reload(); });

  const questions = Array.from(form.querySelectorAll("li.question"));
  const count = form.querySelector(".checked-count");
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const attempt = form.querySelector("input[name=attempt]").value;

  function saveDraft() {
    const draft = new URLSearchParams();
    form.querySelectorAll("li.question:not([data-locked]) input:checked").forEach((input) => {
      draft.append(input.name, input.value);
    });
    document.cookie = form.dataset.draftCookie + "=" + encodeURIComponent(draft.toString()) +
      "; path=" + form.dataset.cookiePath + "; max-age=" + form.dataset.cookieAge + "; samesite=lax" +
      (window.location.protocol === "https:" ? "; secure" : "");
  }

  function say(question, text) {
    const feedback = question.querySelector(".feedback");
    feedback.innerHTML = "";
    const p = document.createElement("p");
    p.className = "field-error";
    p.setAttribute("role", "alert");
    p.textContent = text;
    feedback.appendChild(p);
  }

  function lock(question, chosen) {
    question.setAttribute("data-locked", "");
    question.querySelectorAll("input").forEach((input) => {
      input.checked = chosen.includes(input.value);
      input.disabled = true;
    });
    const button = question.querySelector(".check-answer");
    if (button) button.remove();
    if (count) count.textContent = questions.filter((q) => q.hasAttribute("data-locked")).length;
  }

  async function check(question) {
    const key = question.dataset.key;
    const chosen = Array.from(question.querySelectorAll("input:checked")).map((i) => i.value);
    if (chosen.length === 0) {
      say(question, "Choose an answer first, then check it.");
      return;
    }
    const body = new FormData();
    body.append("attempt", attempt);
    body.append("question", key);
    chosen.forEach((value) => body.append("q-" + key, value));
    let response, data;
    try {
      response = await fetch(form.dataset.checkUrl, {
        method: "POST",
        body: body,
        headers: { "X-CSRFToken": csrf },
        credentials: "same-origin",
      });
      data = await response.json();
    } catch (error) {
      say(question, "The answer could not be checked. Your answers still count when you send the quiz.");
      return;
    }
    if (!response.ok) {
      if (data.result) window.location.assign(data.result);
      say(question, data.error || "The answer could not be checked.");
      return;
    }
    // The server keeps the first answer checked; show that one, whatever is ticked now.
    lock(question, data.chosen);
    saveDraft();
    const feedback = question.querySelector(".feedback");
    feedback.innerHTML = data.html;
    // The verdict goes to the top of the screen (clear of anything sticky: site.css scroll-margin)
    // and takes the focus, so that a screen reader reads it and Tab goes on from it.
    const verdict = feedback.querySelector(".verdict");
    verdict.scrollIntoView({ block: "start" });
    verdict.focus({ preventScroll: true });
  }

  form.addEventListener("change", saveDraft);
  form.addEventListener("click", (event) => {
    const button = event.target.closest(".check-answer");
    if (!button) return;
    event.preventDefault();
    check(button.closest("li.question"));
  });
})();
