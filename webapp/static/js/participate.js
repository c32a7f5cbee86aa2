// Progressive enhancement for voting and weighing: the forms work without JavaScript
// (POST, redirect, flash); with it, they save in place and update the page.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  const tokenMeta = document.querySelector('meta[name="csrf-token"]');
  if (!tokenMeta) return;
  const token = tokenMeta.content;

  function status(text, failed) {
    const region = document.querySelector("#your-pick .live-status");
    if (!region) return;
    region.textContent = text;
    region.classList.toggle("is-error", Boolean(failed));
  }

  async function send(form, body) {
    const response = await fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": token,
      },
      body: JSON.stringify(body),
    });
    let data = {};
    try { data = await response.json(); } catch (e) { /* non-JSON error page */ }
    if (!response.ok) {
      if (response.status === 401) { window.location.reload(); }
      throw new Error(data.message || "That did not work (" + response.status + "). Please try again.");
    }
    return data;
  }

  function optionName(id) {
    const input = document.querySelector('.vote-form input[value="' + id + '"]');
    return input ? input.dataset.name : "";
  }

  function applyState(state) {
    document.querySelectorAll(".vote-form input[name=option]").forEach(function (input) {
      input.checked = String(state.vote) === input.value;
    });
    const withdraw = document.querySelector(".withdraw-form");
    if (withdraw) withdraw.hidden = state.vote === null;
    const weighted = document.querySelector("[data-weighted]");
    if (!weighted) return;
    weighted.textContent = "";
    if (state.weighted_pick !== null) {
      weighted.append("By your own weights, you favour ");
      const strong = document.createElement("strong");
      strong.textContent = optionName(state.weighted_pick);
      weighted.append(strong, ".");
      if (state.differs) {
        const note = document.createElement("span");
        note.className = "differs";
        note.textContent = " That is not the option you voted for.";
        weighted.append(note);
      }
    } else if (Object.keys(state.ratings).length) {
      weighted.textContent = "Your weights don\u2019t separate the options yet.";
    } else {
      weighted.textContent = "Set how much each pro and con matters to you (below) to see which option your priorities favour.";
    }
  }

  function run(form, body, isLatest) {
    form.setAttribute("aria-busy", "true");
    return send(form, body)
      .then(function (state) {
        // An answer overtaken by a newer choice must not put the older one back on the page.
        if (isLatest && !isLatest()) return;
        applyState(state);
        status(state.message, false);
      })
      .catch(function (error) { status(error.message, true); })
      .finally(function () { form.removeAttribute("aria-busy"); });
  }

  // One request at a time per form. Arrow keys on a select or a radio group make a change
  // (so a request) per step: parallel requests could finish out of order, or fail on a
  // busy database, and leave the server with an earlier value than the page shows. A
  // change made meanwhile is sent when the request in flight ends (only the latest).
  function serial(form, body) {
    let busy = false;
    let again = false;
    return function sendLatest() {
      if (busy) { again = true; return; }
      busy = true;
      run(form, body(), function () { return !again; }).finally(function () {
        busy = false;
        if (again) { again = false; sendLatest(); }
      });
    };
  }

  document.querySelectorAll('form[data-enhance="vote"]').forEach(function (form) {
    const vote = serial(form, function () {
      const checked = form.querySelector("input[name=option]:checked");
      return { option: Number(checked.value) };
    });
    form.addEventListener("change", function (event) {
      if (event.target.name === "option") vote();
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (form.querySelector("input[name=option]:checked")) vote();
    });
  });

  document.querySelectorAll('form[data-enhance="withdraw"]').forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      run(form, {});
    });
  });

  document.querySelectorAll('form[data-enhance="rate"]').forEach(function (form) {
    const select = form.querySelector("select");
    const rate = serial(form, function () {
      return { importance: select.value === "" ? null : Number(select.value) };
    });
    function save(event) {
      if (event) event.preventDefault();
      rate();
    }
    select.addEventListener("change", function () { save(); });
    form.addEventListener("submit", save);
  });
})();
