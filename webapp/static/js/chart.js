// The history chart, enhanced: one tab stop for the whole chart (arrow keys, Home and End
// move between versions and markers) and a tooltip on focus and hover with the same words
// as each stop's <title>. Without this script every stop is tabbable and its <title> is
// its tooltip and accessible name.
(function () {
  "use strict";
  document.querySelectorAll(".history-chart").forEach(function (svg) {
    var stops = Array.prototype.slice.call(svg.querySelectorAll("[tabindex]"));
    if (!stops.length) return;
    var tip = document.createElement("div");
    tip.className = "hc-tip";
    tip.hidden = true;
    tip.setAttribute("aria-hidden", "true"); // the stop's own label is what is announced
    document.body.appendChild(tip);
    var current = 0;
    stops.forEach(function (stop, i) {
      var title = stop.querySelector("title");
      var words = title ? title.textContent : "";
      stop.setAttribute("role", "img"); // an aria-label needs a role on SVG shapes
      stop.setAttribute("aria-label", words);
      stop.dataset.tip = words;
      if (title) title.remove(); // no native tooltip on top of ours
      stop.setAttribute("tabindex", i === 0 ? "0" : "-1");
    });

    function show(stop) {
      tip.textContent = stop.dataset.tip;
      tip.hidden = false;
      var box = stop.getBoundingClientRect();
      var width = tip.offsetWidth;
      var left = Math.min(Math.max(box.left + box.width / 2 - width / 2, 8),
        document.documentElement.clientWidth - width - 8);
      tip.style.left = left + window.scrollX + "px";
      tip.style.top = box.top + window.scrollY - tip.offsetHeight - 6 + "px";
    }
    function hide() { tip.hidden = true; }
    function move(to) {
      stops[current].setAttribute("tabindex", "-1");
      current = Math.min(Math.max(to, 0), stops.length - 1);
      stops[current].setAttribute("tabindex", "0");
      stops[current].focus();
    }
    stops.forEach(function (stop, i) {
      stop.addEventListener("focus", function () { current = i; show(stop); });
      stop.addEventListener("blur", hide);
      stop.addEventListener("mouseenter", function () { show(stop); });
      stop.addEventListener("mouseleave", function () {
        if (document.activeElement !== stop) hide();
      });
    });
    svg.addEventListener("keydown", function (event) {
      var keys = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };
      if (event.key in keys) move(current + keys[event.key]);
      else if (event.key === "Home") move(0);
      else if (event.key === "End") move(stops.length - 1);
      else if (event.key === "Escape") hide();
      else return;
      event.preventDefault();
    });
  });
})();
