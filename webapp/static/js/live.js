// Live community verdict: poll /compare/<slug>/community with If-None-Match; the server
// answers 304 until a new verdict is stored, then JSON: the card, the "why" section and
// each claim's spread of ratings (as rendered by the page's own templates), each claim's
// community weight, and the "what matters most" order. Polling (not a held connection)
// keeps web workers free.
(function () {
  "use strict";
  const card = document.getElementById("community-card");
  if (!card || !window.fetch) return;
  const url = card.dataset.pollUrl;
  const every = 1000;
  let etag = card.dataset.etag || null;
  let timer = null;

  // The card is replaced whole on every new version (its "updated" time changes even when
  // only claim weights did): as a live region it would be read out whole each time. One
  // status line says what changed in words instead, and only when it did.
  card.removeAttribute("aria-live");
  const news = document.createElement("p");
  news.className = "visually-hidden";
  news.id = "community-news";
  news.setAttribute("role", "status");
  card.parentNode.insertBefore(news, card.nextSibling);

  function gist() {
    return [".verdict-figure", ".verdict-headline"].map(function (selector) {
      const el = card.querySelector(selector);
      return el ? el.textContent : "";
    }).join(" ").replace(/\s+/g, " ").trim();
  }

  // A keyboard user inside the card (on "Details", say) keeps their place: replacing the
  // card would otherwise drop focus to the top of the page. The same control again (by
  // its kind and words), else the one at the same place.
  const FOCUSABLE = "a[href], summary, button";
  function focusHeld() {
    const el = document.activeElement;
    if (!card.contains(el)) return null;
    const all = Array.prototype.slice.call(card.querySelectorAll(FOCUSABLE));
    return { tag: el.tagName, text: el.textContent, index: all.indexOf(el) };
  }
  function refocus(held) {
    if (!held) return;
    const all = Array.prototype.slice.call(card.querySelectorAll(FOCUSABLE));
    const target = all.find(function (el) {
      return el.tagName === held.tag && el.textContent === held.text;
    }) || all[held.index];
    if (target) target.focus({ preventScroll: true });
  }

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

  // Each claim's spread of ratings: the strip as the page's template drew it ("" while no
  // rating counts). Replaced only when its counts changed; nothing here is a live region.
  function showSpreads(spreads) {
    Object.keys(spreads).forEach(function (id) {
      const old = document.querySelector('[data-claim-spread="' + id + '"]');
      const made = document.createElement("template");
      made.innerHTML = spreads[id];
      const next = made.content.firstElementChild;
      if (old && next && old.dataset.counts === next.dataset.counts) return;
      if (old && next) old.replaceWith(next);
      else if (old) old.remove();
      else if (next) {
        const editors = document.querySelector('[data-editors-weight="' + id + '"]');
        if (editors) editors.parentNode.insertBefore(next, editors);
      }
    });
  }

  // One list of pros or cons into ``ids``' order. The item holding keyboard focus never
  // moves in the DOM (moving it would drop focus): the others move around it.
  function arrange(ids) {
    const items = ids.map(function (id) {
      const weight = document.querySelector('[data-claim-weight="' + id + '"]');
      return weight && weight.closest("li");
    }).filter(Boolean);
    if (items.length < 2) return;
    const list = items[0].parentNode;
    if (items.some(function (li) { return li.parentNode !== list; })) return;
    const now = Array.prototype.filter.call(list.children, function (li) { return items.indexOf(li) >= 0; });
    if (now.every(function (li, i) { return li === items[i]; })) return;
    const fixed = items.find(function (li) { return li.contains(document.activeElement); });
    if (!fixed) { items.forEach(function (li) { list.appendChild(li); }); return; }
    const at = items.indexOf(fixed);
    items.slice(0, at).forEach(function (li) { list.insertBefore(li, fixed); });
    let after = fixed;
    items.slice(at + 1).forEach(function (li) { list.insertBefore(li, after.nextSibling); after = li; });
  }

  // "What matters most" (?claims=weight) follows the card: re-sorted in place.
  function showOrder(order) {
    const options = document.getElementById("options");
    if (!options || options.dataset.claimOrder !== "weight") return;
    Object.keys(order).forEach(function (option) {
      arrange(order[option].pros || []);
      arrange(order[option].cons || []);
    });
  }

  // Claim updates change lines' heights and order: what the reader has in hand (the
  // focused control, else the first list of claims on screen) stays where it was.
  function keepInPlace(update) {
    const options = document.getElementById("options");
    const active = document.activeElement;
    const held = active && active !== document.body && !card.contains(active)
      && !(options && active.contains(options));
    const anchor = held
      ? active
      : options && Array.prototype.find.call(options.querySelectorAll(".claim-list"), function (list) {
        return list.getBoundingClientRect().bottom > 0;
      });
    const before = anchor ? anchor.getBoundingClientRect().top : 0;
    update();
    if (!anchor) return;
    const shift = anchor.getBoundingClientRect().top - before;
    if (Math.abs(shift) >= 1) window.scrollBy(0, shift);
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
        const said = gist();
        const held = focusHeld();
        card.innerHTML = state.card;
        const now = gist();
        if (now !== said) news.textContent = "Community pick updated: " + now;
        const details = card.querySelector("details");
        if (open && details) details.open = true;
        refocus(held);
        card.className = "community-card tone-" + state.tone;
        showWhy(state.why);
        keepInPlace(function () {
          showClaims(state.claims || {});
          showSpreads(state.spreads || {});
          showOrder(state.order || {});
        });
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
