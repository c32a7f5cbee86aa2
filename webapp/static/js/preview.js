// "Preview" on the discussion forms without a page load. Without this script the button
// is a plain submit (name=preview) and the server re-renders the form with the preview;
// with it, the same server rendering (sanitised by webapp/discussions/markup.py) comes
// back as JSON and is shown above the textarea. Any refusal (empty, too long, a closed
// thread) falls back to the plain submit, so the message shows by the field as usual.
(function () {
  "use strict";
  if (!window.fetch || !window.FormData) return;

  function box(form) {
    var found = form.querySelector(".post-preview");
    if (found) return found.querySelector(".post-body");
    var section = document.createElement("section");
    section.className = "post-preview";
    section.setAttribute("aria-live", "polite");
    var heading = document.createElement("h3");
    heading.className = "eyebrow";
    heading.textContent = "Preview — not posted yet";
    var body = document.createElement("div");
    body.className = "post-body";
    section.appendChild(heading);
    section.appendChild(body);
    var textarea = form.querySelector("textarea[name=body]");
    var label = textarea && form.querySelector("label[for='" + textarea.id + "']");
    form.insertBefore(section, label || textarea || form.firstChild);
    return body;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[name=preview]");
    if (!button || !button.form) return;
    var form = button.form;
    event.preventDefault();
    var data = new FormData(form);
    data.set("preview", "1");
    button.disabled = true;
    fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .catch(function () {
        return null;
      })
      .then(function (answer) {
        button.disabled = false;
        if (answer && typeof answer.preview === "string") {
          box(form).innerHTML = answer.preview; // the server's sanitised HTML
          form.dataset.previewed = "1";
        } else if (form.requestSubmit) {
          form.requestSubmit(button); // the server shows the refusal by the field
        } else {
          form.submit();
        }
      });
  });
})();
