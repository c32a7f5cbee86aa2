// Live community verdict: poll /compare/<slug>/community with If-None-Match; the server
// answers 304 until a new verdict is stored, then JSON: the card and the "why" section (as
// rendered by the page's own templates) and each claim's community weight. Polling (not a
// held connection) keeps web workers free.
(function () {
  "use strict";
  const card = document.getElementById("community-card");
  if (!card || !window.fetch) return;
  const url = card.dataset.pollUrl;
  const every = 1000;
  let etag = card.dataset.etag || null;
  let timer = null;

  function showWhy(html) {
    const why = document.getElementById("why");
    if (!why || typeof html !== "string") return;
    why.innerHTML = html;
    why.hidden = !why.querySelector("li");
  }

  function showClaims(claims) {
    const anyRated = Object.keys(claims).some(function (id) { return claims[id].weight > 0; });
    document.querySelectorAll(".claim-weights").forEach(function (el) { el.hidden = !anyRated; });
    document.querySelectorAll("[data-claim-weight]").forEach(function (el) {
      const w = claims[el.dataset.claimWeight];
      const rated = !!(w && w.weight > 0);
      el.querySelector(".weight-text").textContent = w ? w.label : "crowd: not rated yet";
      el.classList.toggle("is-unrated", !rated);
      const fill = el.querySelector(".weight-fill");
      if (fill) fill.setAttribute("width", rated ? (w.community * 10).toFixed(1) : "0");
    });
    document.querySelectorAll("[data-editors-weight]").forEach(function (el) {
      const w = claims[el.dataset.editorsWeight];
      el.textContent = w ? w.editors_label : "";
      el.hidden = !(w && w.editors_label);
    });
  }

  async function poll() {
    timer = null;
    try {
      const headers = etag ? { "If-None-Match": etag } : {};
      const response = await fetch(url, { headers: headers, credentials: "same-origin", cache: "no-store" });
      if (response.status === 200) {
        const state = await response.json();
        etag = response.headers.get("ETag");
        // A reader who opened "Details" keeps them open across updates.
        const open = card.querySelector("details[open]") !== null;
        card.innerHTML = state.card;
        const details = card.querySelector("details");
        if (open && details) details.open = true;
        card.className = "community-card tone-" + state.tone;
        showWhy(state.why);
        showClaims(state.claims || {});
      }
    } catch (e) { /* offline for a moment: try again later */ }
    schedule();
  }

  function schedule() {
    if (timer === null && document.visibilityState === "visible") timer = setTimeout(poll, every);
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { clearTimeout(timer); timer = null; poll(); }
  });
  poll();
})();
