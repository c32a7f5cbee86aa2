// Tag suggestions on the editor's tag fields. Without this script the fields still
// suggest every tag by name (the <datalist> the page carries); with it, the suggestions
// follow the tag being typed after the last comma and keep the tags before it.
(function () {
  "use strict";
  const list = document.getElementById("tag-names");
  if (!list) return;
  const url = "/editor/tags.json";
  let pending = null;

  function show(prefix, names) {
    list.replaceChildren(...names.map(function (name) {
      const option = document.createElement("option");
      option.value = prefix + name;  // text, never markup
      return option;
    }));
  }

  async function suggest(input) {
    const value = input.value;
    const cut = value.lastIndexOf(",");
    const typed = value.slice(cut + 1).trim();
    const prefix = cut < 0 ? "" : value.slice(0, cut + 1).replace(/\s*$/, " ");
    if (!typed) return;
    if (pending) pending.abort();
    pending = new AbortController();
    try {
      const response = await fetch(url + "?q=" + encodeURIComponent(typed), {
        headers: { Accept: "application/json" }, signal: pending.signal, credentials: "same-origin",
      });
      if (!response.ok) return;
      const rows = await response.json();
      if (input.value === value) show(prefix, rows.map(function (row) { return row.name; }));
    } catch (error) {
      if (error.name !== "AbortError") throw error;
    }
  }

  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("[data-tag-input]")) suggest(event.target);
  });
})();
