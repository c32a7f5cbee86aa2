// The "Embed this verdict" section (templates/feeds/_embed.html): each snippet is a
// read-only field anyone can select and copy; with JavaScript, a Copy button beside it
// copies the whole snippet and says so in a live region.
(function () {
  "use strict";
  const status = document.querySelector(".embed .embed-status");
  function say(text) {
    if (status) status.textContent = text;
  }
  // What happened shows on the button pressed (the status line is at the section's end,
  // often off-screen); the others read "Copy" again. The button's first text node is its
  // visible word; the hidden rest of its name stays.
  function mark(button, word) {
    document.querySelectorAll(".embed-copy[data-copy]").forEach(function (other) {
      delete other.dataset.copied;
      other.firstChild.nodeValue = "Copy";
    });
    button.firstChild.nodeValue = word;
  }
  document.querySelectorAll(".embed-copy[data-copy]").forEach(function (button) {
    const field = document.getElementById(button.dataset.copy);
    if (!field) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      field.focus();
      field.select();
      const done = function () {
        mark(button, "Copied");
        button.dataset.copied = "true";
        say("Copied.");
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, function () {
          mark(button, "Selected");
          say("Press Ctrl+C (or ⌘C) to copy the selected text.");
        });
      } else {
        // http pages have no Clipboard API: the text is selected for the keyboard copy.
        mark(button, "Selected");
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
