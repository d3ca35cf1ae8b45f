// Live pages without a reload. A page whose <main> names a stamp URL (data-live) asks it every
// second (or every data-live-every ms); when the stamp changes, the page is fetched again and
// its <main> swapped in place, and a polite status message tells screen readers. A swap waits
// while the reader is typing in a form, so that nothing typed is lost.
(function () {
  "use strict";
  var main = document.getElementById("main");
  if (!main || !main.dataset.live) { return; }
  var every = parseInt(main.dataset.liveEvery || "1000", 10);
  var last = main.dataset.liveStamp || null;
  var pending = false;

  function typing() {
    var active = document.activeElement;
    return active && main.contains(active) && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName);
  }

  function refresh() {
    return fetch(window.location.href, { credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("main");
        if (!fresh) { return; }
        main.innerHTML = fresh.innerHTML;
        if (fresh.dataset.live) {
          main.dataset.live = fresh.dataset.live;
          last = fresh.dataset.liveStamp || last;
        } else {
          delete main.dataset.live;
        }
        var status = document.querySelector(".live-status");
        if (status) { status.textContent = "Updated " + new Date().toLocaleTimeString(); }
        pending = false;
      });
  }

  function tick() {
    if (!main.dataset.live) { return; }
    fetch(main.dataset.live, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data && last !== null && data.stamp !== last) { pending = true; }
        if (data) { last = data.stamp; }
        if (pending && !typing()) { return refresh(); }
      })
      .catch(function () { /* the network comes and goes at a venue: try again */ })
      .then(function () { window.setTimeout(tick, every); });
  }

  window.setTimeout(tick, every);
})();
