// Live community verdict: poll the card with If-None-Match; the server answers 304 until a
// new verdict is stored. Polling (not a held connection) keeps web workers free.
(function () {
  "use strict";
  const card = document.getElementById("community-card");
  if (!card || !window.fetch) return;
  const url = card.dataset.pollUrl;
  const every = 1000;
  let etag = card.dataset.etag || null;
  let timer = null;

  async function poll() {
    timer = null;
    try {
      const headers = etag ? { "If-None-Match": etag } : {};
      const response = await fetch(url, { headers: headers, credentials: "same-origin", cache: "no-store" });
      if (response.status === 200) {
        etag = response.headers.get("ETag");
        card.innerHTML = await response.text();
        const headline = card.querySelector(".verdict-headline");
        card.className = "community-card " + (headline ? headline.className.replace("verdict-headline ", "") : "");
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
