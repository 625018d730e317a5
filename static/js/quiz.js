// The quiz, enhanced: check each answer as you go, with feedback announced to screen readers.
// Without this script the quiz is a plain form that is scored when it is sent; nothing here is needed.
// The first answer checked for a question is recorded on the server and is the one that counts.
(function () {
  "use strict";

  const form = document.querySelector("form.quiz");
  if (!form || !window.fetch) return;

  const questions = Array.from(form.querySelectorAll("li.question"));
  const progress = form.querySelector(".quiz-progress");
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const attempt = form.querySelector("input[name=attempt]").value;

  function answered() {
    return questions.filter((q) => q.hasAttribute("data-locked")).length;
  }

  function updateProgress() {
    progress.hidden = false;
    progress.textContent = answered() + " of " + questions.length + " questions checked.";
  }

  function lock(question) {
    question.setAttribute("data-locked", "");
    question.querySelectorAll("input").forEach((input) => { input.disabled = true; });
    const button = question.querySelector(".check-answer");
    if (button) button.remove();
  }

  function say(question, text) {
    const feedback = question.querySelector(".feedback");
    feedback.innerHTML = "";
    const p = document.createElement("p");
    p.className = "field-error";
    p.textContent = text;
    feedback.appendChild(p);
  }

  async function check(question) {
    const key = question.dataset.key;
    const chosen = Array.from(question.querySelectorAll("input:checked")).map((i) => i.value);
    if (chosen.length === 0) {
      say(question, "Choose an answer first.");
      return;
    }
    const body = new FormData();
    body.append("attempt", attempt);
    body.append("question", key);
    chosen.forEach((value) => body.append("q-" + key, value));
    let response;
    try {
      response = await fetch(form.dataset.checkUrl, {
        method: "POST",
        body: body,
        headers: { "X-CSRFToken": csrf },
        credentials: "same-origin",
      });
    } catch (error) {
      say(question, "The answer could not be checked. Your answers still count when you send the form.");
      return;
    }
    const data = await response.json();
    if (!response.ok) {
      if (data.result) window.location.assign(data.result);
      say(question, data.error || "The answer could not be checked.");
      return;
    }
    // The server keeps the first answer checked; show that one, whatever is ticked now.
    question.querySelectorAll("input").forEach((input) => { input.checked = data.chosen.includes(input.value); });
    lock(question);
    const feedback = question.querySelector(".feedback");
    feedback.innerHTML = data.html;
    feedback.focus();
    updateProgress();
  }

  // The buttons are in the page, hidden (and, where scripts run, already taking their room: site.css).
  questions.forEach((question) => {
    const button = question.querySelector(".check-answer");
    if (!button) return;
    button.addEventListener("click", () => check(question));
    button.hidden = false;
  });
  updateProgress();
})();
