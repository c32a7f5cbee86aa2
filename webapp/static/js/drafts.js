// Nothing typed is lost when a session expires. A post, reply, edit, flag or resolve sent
// with an expired session gets the "session expired" page (core/errors.py), which shows
// the text the server received and marks it (data-draft-key, data-draft-field). This
// script keeps that text in sessionStorage (this tab only, never sent anywhere) and, on
// the next page with the same form, puts it back: the same action, and for a reply the
// same post answered, so a draft never lands in another form. Sending the form takes the
// draft out (the server then shows the post, the form with the text and a message, or
// this page again, which keeps it once more). The stored copy is written from the page the
// server sent, not from the old page, so it works whatever the history holds.
(function () {
  "use strict";
  var PREFIX = "crowdpick-draft:";
  var MAX_AGE_MS = 24 * 60 * 60 * 1000; // an older draft is stale: dropped, never restored
  var FIELDS = ["title", "body", "conclusion", "note", "reason"];
  var store;
  try {
    store = window.sessionStorage;
    store.getItem(PREFIX); // throws where storage is blocked
  } catch (e) {
    return; // the page still shows the text to copy
  }

  function keyOf(form) {
    var action = new URL(form.getAttribute("action") || location.href, location.href);
    var parent = form.querySelector("input[name=parent_id]");
    return PREFIX + decodeURI(action.pathname) + "|" + (parent ? parent.value : "");
  }

  function keep(box) {
    var fields = {};
    box.querySelectorAll("[data-draft-field]").forEach(function (field) {
      fields[field.getAttribute("data-draft-field")] = field.value;
    });
    var draft = { fields: fields, at: Date.now() };
    store.setItem(PREFIX + box.getAttribute("data-draft-key"), JSON.stringify(draft));
  }

  function read(key) {
    var draft = null;
    try {
      draft = JSON.parse(store.getItem(key));
    } catch (e) {
      draft = null;
    }
    if (!draft || !draft.fields || !(Date.now() - draft.at < MAX_AGE_MS)) {
      store.removeItem(key);
      return null;
    }
    return draft;
  }

  function fill(form, fields) {
    var first = null;
    FIELDS.forEach(function (name) {
      var field = form.querySelector("[name=" + name + "]");
      var value = fields[name];
      if (!field || typeof value !== "string" || field.type === "hidden") return;
      if (field.tagName === "SELECT") {
        var known = Array.prototype.some.call(field.options, function (o) {
          return o.value === value;
        });
        if (!known) return;
      }
      field.value = value;
      first = first || field;
    });
    return first;
  }

  function note(form, field, key) {
    var p = document.createElement("p");
    p.className = "field-msg draft-note";
    p.setAttribute("role", "status");
    p.textContent = "Your text from before you signed in again is back. It is not posted yet. ";
    var discard = document.createElement("button");
    discard.type = "button";
    discard.className = "link-button";
    discard.textContent = "Discard it";
    discard.addEventListener("click", function () {
      store.removeItem(key);
      form.reset();
      p.remove();
      field.focus();
    });
    p.appendChild(discard);
    field.insertAdjacentElement("afterend", p);
  }

  function restore(form) {
    var key = keyOf(form);
    var draft = read(key);
    if (!draft) return null;
    var field = fill(form, draft.fields);
    if (!field) return null;
    for (var open = form.closest("details"); open; open = open.parentElement.closest("details")) {
      open.open = true; // a reply box, a flag or a resolve form
    }
    note(form, field, key);
    return field;
  }

  var kept = document.querySelector("[data-draft-key]");
  if (kept) {
    keep(kept);
  } else {
    var first = null;
    document.querySelectorAll("form").forEach(function (form) {
      var field = form.method === "post" ? restore(form) : null;
      first = first || field;
    });
    if (first) {
      // Back where they were: the first restored form in view, its field focused.
      first.form.scrollIntoView({ block: "center" });
      first.focus({ preventScroll: true });
    }
  }

  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      if (form.method === "post") store.removeItem(keyOf(form));
    },
    true
  );
})();
