// Progressive enhancement for voting and weighing: the forms work without JavaScript
// (POST, redirect, flash); with it, they save in place and update the page.
// Each control says what happened next to itself (its own live region), and a control
// never keeps showing a value the server does not have: a refused or failed save puts
// the saved value back and says "Not saved" beside it.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  const tokenMeta = document.querySelector('meta[name="csrf-token"]');
  if (!tokenMeta) return;
  const token = tokenMeta.content;

  // What the server has, as last heard from it (the page as rendered, then every answer).
  const saved = { vote: null, ratings: {} };
  const checkedAtLoad = document.querySelector(".vote-form input[name=option][checked]");
  saved.vote = checkedAtLoad ? Number(checkedAtLoad.value) : null;
  document.querySelectorAll(".rate-form select[data-claim]").forEach(function (select) {
    const initial = Array.prototype.find.call(select.options, function (o) { return o.defaultSelected; });
    if (initial && initial.value !== "") saved.ratings[select.dataset.claim] = Number(initial.value);
  });

  function signInHref() {
    return "/login?next=" + encodeURIComponent(window.location.pathname + window.location.search);
  }

  // Shows a message in a control's own live region: saving (plain), saved (a tick) or
  // not saved (the error colour, a warning sign and the words, never colour alone).
  function show(region, text, kind, signIn) {
    if (!region) return;
    region.textContent = "";
    region.classList.toggle("is-error", kind === "error");
    region.classList.toggle("is-saved", kind === "saved");  // the tick or warning sign: site.css
    region.append(text);
    if (signIn) {
      const link = document.createElement("a");
      link.href = signIn;
      link.textContent = "Sign in again";
      region.append(" ", link);
    }
  }

  class Refused extends Error {
    constructor(message, signIn) { super(message); this.signIn = signIn; }
  }

  async function send(form, body) {
    let response;
    try {
      response = await fetch(form.action, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          "Accept": "application/json",
          "X-CSRFToken": token,
        },
        body: JSON.stringify(body),
      });
    } catch (e) {
      throw new Refused("Not saved: the connection failed. Check it and try again.");
    }
    let data = {};
    try { data = await response.json(); } catch (e) { /* non-JSON error page */ }
    if (!response.ok) {
      if (response.status === 401) {
        throw new Refused("You are signed out \u2014 sign in again; your choice was not saved.", signInHref());
      }
      let message = data.message || "That did not work (" + response.status + ").";
      if (!/not saved/i.test(message)) message = "Not saved: " + message;
      throw new Refused(message, data.sign_in ? signInHref() : null);  // this page, whatever the referrer
    }
    return data;
  }

  function optionName(id) {
    const input = document.querySelector('.vote-form input[value="' + id + '"]');
    return input ? input.dataset.name : "";
  }

  function showVote(vote) {
    document.querySelectorAll(".vote-form input[name=option]").forEach(function (input) {
      input.checked = String(vote) === input.value;
    });
    const withdraw = document.querySelector(".withdraw-form");
    if (withdraw) withdraw.hidden = vote === null;
  }

  function applyState(state) {
    saved.vote = state.vote;
    saved.ratings = state.ratings;
    showVote(state.vote);
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

  // control: { form, region, revert() } - revert puts the saved value back on a failure.
  function run(control, body, isLatest) {
    const form = control.form;
    form.setAttribute("aria-busy", "true");
    show(control.region, "Saving\u2026", "busy");
    return send(form, body)
      .then(function (state) {
        // An answer overtaken by a newer choice must not put the older one back on the page.
        if (isLatest && !isLatest()) return;
        applyState(state);
        show(control.region, state.message, "saved");
      })
      .catch(function (error) {
        if (isLatest && !isLatest()) return;  // the newer choice is sent next; it answers
        control.revert();
        show(control.region, error.message, "error", error.signIn);
      })
      .finally(function () { form.removeAttribute("aria-busy"); });
  }

  // One request at a time per form. Arrow keys on a select or a radio group make a change
  // (so a request) per step: parallel requests could finish out of order, or fail on a
  // busy database, and leave the server with an earlier value than the page shows. A
  // change made meanwhile is sent when the request in flight ends (only the latest).
  function serial(control, body) {
    let busy = false;
    let again = false;
    return function sendLatest() {
      if (busy) { again = true; return; }
      busy = true;
      run(control, body(), function () { return !again; }).finally(function () {
        busy = false;
        if (again) { again = false; sendLatest(); }
      });
    };
  }

  const voteRegion = document.querySelector("#your-pick .live-status");
  function revertVote() { showVote(saved.vote); }

  document.querySelectorAll('form[data-enhance="vote"]').forEach(function (form) {
    const vote = serial({ form: form, region: voteRegion, revert: revertVote }, function () {
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
      run({ form: form, region: voteRegion, revert: revertVote }, {});
    });
  });

  document.querySelectorAll('form[data-enhance="rate"]').forEach(function (form) {
    const select = form.querySelector("select");
    const region = form.querySelector(".rate-status");
    const control = {
      form: form,
      region: region,
      revert: function () {
        const value = saved.ratings[select.dataset.claim];
        select.value = value === undefined || value === null ? "" : String(value);
      },
    };
    const rate = serial(control, function () {
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
