// The "Embed this verdict" section (templates/feeds/_embed.html): each snippet is a
// read-only field anyone can select and copy; with JavaScript, a Copy button beside it
// copies the whole snippet and says so in a live region.
(function () {
  "use strict";
  const status = document.querySelector(".embed .embed-status");
  function say(text) {
    if (status) status.textContent = text;
  }
  document.querySelectorAll(".embed-copy[data-copy]").forEach(function (button) {
    const field = document.getElementById(button.dataset.copy);
    if (!field) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      field.focus();
      field.select();
      const done = function () {
        button.dataset.copied = "true";
        say("Copied.");
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, function () {
          say("Press Ctrl+C (or ⌘C) to copy the selected text.");
        });
      } else {
        // http pages have no Clipboard API: the text is selected for the keyboard copy.
        say("Selected: press Ctrl+C (or ⌘C) to copy.");
      }
    });
  });
  // A click into a field selects the whole snippet, ready to copy.
  document.querySelectorAll(".embed-field textarea").forEach(function (field) {
    field.addEventListener("focus", function () {
      field.select();
    });
  });
})();
