// Tocsin's only script. A static file: the Content-Security-Policy allows no inline script.
"use strict";
(function () {
  document.documentElement.classList.add("js");

  // The language menu applies on change (an inline onchange= would be blocked by the CSP).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // Dashboard: the server pushes per-minute volumes; on each change, fetch the cards again,
  // drawn and escaped by the server, and swap them in.
  var cards = document.getElementById("cards");
  if (!cards || !window.EventSource || !window.fetch) { return; }
  var status = document.getElementById("live-status");
  var busy = false;

  function live(on) {
    if (status) { status.textContent = on ? status.dataset.on : status.dataset.off; }
    if (status) { status.classList.toggle("on", on); }
  }

  function refresh() {
    if (busy) { return; }
    busy = true;
    fetch(cards.dataset.refresh, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) {
        var parsed = new DOMParser().parseFromString(html, "text/html");
        cards.replaceChildren.apply(cards, Array.prototype.slice.call(parsed.body.childNodes));
      })
      .catch(function () { live(false); })
      .finally(function () { busy = false; });
  }

  var source = new EventSource(cards.dataset.stream);
  source.addEventListener("open", function () { live(true); });
  source.addEventListener("error", function () { live(false); });
  source.addEventListener("volume", refresh);
})();
