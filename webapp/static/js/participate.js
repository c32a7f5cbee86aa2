// Progressive enhancement for voting and weighing: the forms work without JavaScript
// (POST, redirect, flash); with it, they save in place and update the page.
// Each control says what happened next to itself (its own live region), and a control
// never keeps showing a value the server does not have: a refused or failed save puts
// the saved value back and says "Not saved" beside it.
// Arrow keys never save (issue 13): a choice made by stepping with the keyboard is only
// pending until Enter (or leaving the control) saves it; a click or a tap saves at once.
// A choice refused because the session ended is kept (issue 13): the control goes on
// showing it as pending, and it is remembered in sessionStorage so that, back on this
// page after signing in, it is shown pending again, for Enter to save; never sent unasked.
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
  document.querySelectorAll(".rate-form [data-claim]").forEach(function (scale) {
    const initial = scale.querySelector("input[name=importance][checked]");
    if (initial && initial.value !== "") saved.ratings[scale.dataset.claim] = Number(initial.value);
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
    region.classList.toggle("is-pending", kind === "pending");
    region.append(text);
    if (signIn) {
      const link = document.createElement("a");
      link.href = signIn;
      link.textContent = "Sign in again";
      region.append(" ", link);
    }
    // A refusal must be seen: a control clicked at the bottom edge of the window can
    // leave its status line (under the control) just out of view.
    if (kind === "error" && region.scrollIntoView) region.scrollIntoView({ block: "nearest" });
  }

  class Refused extends Error {
    constructor(message, signIn, reason) { super(message); this.signIn = signIn; this.reason = reason; }
  }

  // Unsaved choices by control, for this page only (the path is in the key).
  const MEMO = "crowdpick-unsaved:" + window.location.pathname + ":";
  function remember(memo, value) {
    try { window.sessionStorage.setItem(MEMO + memo, JSON.stringify({ value: value })); } catch (e) { /* storage off */ }
  }
  function forget(memo) {
    try { window.sessionStorage.removeItem(MEMO + memo); } catch (e) { /* storage off */ }
  }
  // The remembered choice, taken out of storage (it is offered once); undefined if none.
  function recall(memo) {
    let raw = null;
    try { raw = window.sessionStorage.getItem(MEMO + memo); } catch (e) { return undefined; }
    if (raw === null) return undefined;
    forget(memo);
    try { return JSON.parse(raw).value; } catch (e) { return undefined; }
  }

  async function send(form, body) {
    let response;
    try {
      response = await fetch(form.action, {
        method: "POST",
        credentials: "same-origin",
        keepalive: true,  // a pending choice saved as the page goes away still arrives
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
        throw new Refused("You are signed out \u2014 sign in again; your choice was not saved.", signInHref(),
          "You are signed out.");
      }
      let message = data.message || "That did not work (" + response.status + ").";
      if (!/not saved/i.test(message)) message = "Not saved: " + message;
      // this page, whatever the referrer
      if (data.sign_in) throw new Refused(message, signInHref(), "Your session has expired.");
      throw new Refused(message, null);
    }
    return data;
  }

  function optionName(id) {
    const input = document.querySelector('.vote-form input[value="' + id + '"]');
    return input ? input.dataset.name : "";
  }

  function showVote(vote) {
    // A pending keyboard choice stays on screen while an earlier save answers.
    if (!voteControl.pending) {
      document.querySelectorAll(".vote-form input[name=option]").forEach(function (input) {
        input.checked = String(vote) === input.value;
      });
    }
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

  // control: { form, region, revert(), pending } - revert puts the saved value back on a
  // failure; pending is true while a keyboard choice waits for Enter.
  function run(control, body, isLatest) {
    const form = control.form;
    form.setAttribute("aria-busy", "true");
    show(control.region, "Saving\u2026", "busy");
    return send(form, body)
      .then(function (state) {
        // An answer overtaken by a newer choice must not put the older one back on the page.
        if (isLatest && !isLatest()) return;
        applyState(state);
        if (control.memo) forget(control.memo);  // saved after all: nothing to offer later
        if (control.pending) show(control.region, PENDING, "pending");  // a newer choice waits
        else show(control.region, state.message, "saved");
      })
      .catch(function (error) {
        if (isLatest && !isLatest()) return;  // the newer choice is sent next; it answers
        if (error.reason && control.memo && !control.pending) {
          // Signed out: keep the choice on screen, marked unsaved, and remember it.
          remember(control.memo, control.chosen());
          form.classList.add("is-pending");
          show(control.region, error.reason + " " + STRANDED, "pending", error.signIn);
          if (control.region && control.region.scrollIntoView) control.region.scrollIntoView({ block: "nearest" });
          return;
        }
        if (!control.pending) control.revert();  // never undo a choice still waiting for Enter
        show(control.region, error.message, "error", error.signIn);
      })
      .finally(function () { form.removeAttribute("aria-busy"); });
  }

  // One request at a time per form: parallel requests could finish out of order, or fail
  // on a busy database, and leave the server with an earlier value than the page shows. A
  // change made meanwhile (two quick clicks) is sent when the request in flight ends.
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

  // Keyboard choices. Keys that step through a radio group only make a pending choice:
  // the control shows it, its status line says so (a live region, so it is announced)
  // and nothing is sent. Enter saves it; Esc puts the saved one back. Leaving the
  // control with a choice pending saves it too: Tab is a deliberate move, the answer
  // shows beside the control, and otherwise what someone chose would be silently lost
  // when they go on through the page (the submit buttons are hidden with JavaScript, so
  // there is nothing else to press). Switching window keeps focus in the control, so
  // that alone saves nothing; closing the page does.
  const PENDING = "Not saved yet \u2014 press Enter to save, Esc to undo.";
  const STRANDED = "Not saved yet \u2014 sign in again to save it.";
  const STEP_KEYS = ["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "Home", "End", "PageUp", "PageDown"];
  const pendingControls = [];

  function isStep(event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return false;
    return STEP_KEYS.indexOf(event.key) !== -1;
  }

  // Wires the keyboard rules to a control; commit() sends what it shows. Returns
  // stepped(): whether the change being handled came from a stepping key. The browser
  // makes that change inside the keydown, so the mark is cleared once that event is done:
  // a later click is a click, and saves.
  function keyboardChoices(control, commit) {
    const form = control.form;
    let stepping = false;
    function mark(step) {
      stepping = step;
      if (step) setTimeout(function () { stepping = false; }, 0);
    }
    control.hold = function () {
      if (!control.pending) show(control.region, PENDING, "pending");  // announced once
      control.pending = true;
      form.classList.add("is-pending");
    };
    control.commit = function () {
      control.pending = false;
      form.classList.remove("is-pending");
      commit();
    };
    pendingControls.push(control);
    form.addEventListener("pointerdown", function () { stepping = false; });
    form.addEventListener("keydown", function (event) {
      mark(isStep(event));
      if (event.key === "Enter") {
        event.preventDefault();  // no implicit submission: only a pending choice is sent
        if (control.pending) control.commit();
      } else if (event.key === "Escape" && control.pending) {
        event.preventDefault();
        control.pending = false;
        form.classList.remove("is-pending");
        control.revert();
        // Focus follows the choice put back: left on the stepped-to radio, the next arrow
        // would step on from there, and Space would pick the value just undone.
        const focused = document.activeElement;
        if (focused && focused.type === "radio" && form.contains(focused)) {
          const back = form.querySelector("input[type=radio][name='" + focused.name + "']:checked")
            || form.querySelector("input[type=radio][name='" + focused.name + "']");
          if (back && back !== focused) back.focus();
        }
        show(control.region, "Not changed.", "busy");
      }
    });
    form.addEventListener("focusout", function () {
      // Focus moving between the radios of the group is not leaving it: look once it landed.
      setTimeout(function () {
        if (control.pending && !form.contains(document.activeElement)) control.commit();
      }, 0);
    });
    return function stepped() { return stepping; };
  }

  window.addEventListener("pagehide", function () {
    pendingControls.forEach(function (control) { if (control.pending) control.commit(); });
  });

  // A radio group (the vote's options, a claim's 0-4 scale) under the keyboard rules. A
  // click, a tap or Space on a radio is a click event; so is an arrow key's step in the
  // browsers (the click comes inside the keydown), told apart by stepped(). unchanged()
  // says the checked radio is what the server has, so a click on it sends nothing.
  function radioChoices(control, name, commit, unchanged) {
    const form = control.form;
    const stepped = keyboardChoices(control, commit);
    form.addEventListener("click", function (event) {
      if (event.target.name !== name) return;
      if (stepped()) control.hold();
      else if (control.pending || !unchanged()) control.commit();
    });
    // Space on the radio already checked by the arrow keys makes no click: it saves too.
    form.addEventListener("keyup", function (event) {
      if (event.key === " " && event.target.checked && control.pending) control.commit();
    });
  }

  // Back on the page after signing in: a choice the expired session refused is shown
  // again as pending (Enter saves it, Esc undoes it), unless the server already has it.
  // choose(value) checks it in the control and says whether it could.
  function offerRemembered(control, savedValue, choose) {
    const value = recall(control.memo);
    if (value === undefined || value === savedValue()) return;
    if (choose(value)) control.hold();
  }

  const voteRegion = document.querySelector("#your-pick .live-status");
  function revertVote() { showVote(saved.vote); }
  const voteControl = { form: null, region: voteRegion, revert: revertVote, pending: false };

  document.querySelectorAll('form[data-enhance="vote"]').forEach(function (form) {
    voteControl.form = form;
    function chosen() {
      const checked = form.querySelector("input[name=option]:checked");
      return checked ? Number(checked.value) : null;
    }
    const vote = serial(voteControl, function () { return { option: chosen() }; });
    radioChoices(voteControl, "option", vote, function () { return chosen() === saved.vote; });
    voteControl.memo = "vote";
    voteControl.chosen = chosen;
    offerRemembered(voteControl, function () { return saved.vote; }, function (value) {
      const input = form.querySelector('input[name=option][value="' + value + '"]');
      if (!input) return false;  // that option is gone
      input.checked = true;
      return true;
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (chosen() !== null) voteControl.commit();
    });
  });

  document.querySelectorAll('form[data-enhance="withdraw"]').forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      run({ form: form, region: voteRegion, revert: revertVote, pending: false }, {});
    });
  });

  document.querySelectorAll('form[data-enhance="rate"]').forEach(function (form) {
    const claim = form.querySelector("[data-claim]").dataset.claim;
    const radios = form.querySelectorAll("input[name=importance]");
    function chosen() {
      const checked = form.querySelector("input[name=importance]:checked");
      return checked && checked.value !== "" ? Number(checked.value) : null;
    }
    function savedValue() {
      const value = saved.ratings[claim];
      return value === undefined ? null : value;
    }
    const control = {
      form: form,
      region: form.querySelector(".rate-status"),
      pending: false,
      revert: function () {
        const value = savedValue();
        radios.forEach(function (radio) {
          radio.checked = radio.value === (value === null ? "" : String(value));
        });
      },
    };
    control.memo = "rating:" + claim;
    control.chosen = chosen;
    const rate = serial(control, function () { return { importance: chosen() }; });
    radioChoices(control, "importance", rate, function () { return chosen() === savedValue(); });
    offerRemembered(control, savedValue, function (value) {
      const wanted = value === null ? "" : String(value);
      const input = Array.prototype.find.call(radios, function (radio) { return radio.value === wanted; });
      if (!input) return false;
      input.checked = true;
      return true;
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      control.commit();
    });
  });
})();
