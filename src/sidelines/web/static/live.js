// Live pages without a reload. When something the reader may see changes, the page is fetched
// again and its <main> swapped in place, and a polite status message tells screen readers.
//
// Two ways to hear of a change, named on <main>:
// - data-live-stream: the event's server-sent events (GET /api/events/{id}/live); the page
//   carries the cursor it was rendered at (data-live-since), so a change made between the
//   rendering and the stream's opening ("ready" names the cursor it starts from) is not missed;
// - data-live-poll: a small JSON document whose "stamp" changes with the news (a solve's
//   progress), asked for every data-live-every milliseconds.
// A swap waits while the reader is typing in a form, so that nothing typed is lost.
(function () {
  "use strict";
  var main = document.getElementById("main");
  if (!main) { return; }
  // What the stream names: the kinds of things an audit entry or a notice is about.
  var KINDS = ["request", "meeting", "interest", "contact", "schedule", "solve", "notice",
    "statement", "encounter", "message"];
  var pending = false;
  var busy = false;

  function typing() {
    var active = document.activeElement;
    return active && main.contains(active) && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName);
  }

  // The time of an update as people at the venue read it (every page shows venue time), not
  // the browser's zone, which may be a delegation's home capital.
  function venueTime(instant) {
    var zone = main.dataset.liveZone;
    if (!zone) { return "Updated " + instant.toLocaleTimeString(); }
    var time = instant.toLocaleTimeString("en-GB", { timeZone: zone, hour: "2-digit", minute: "2-digit" });
    // The words come from the page, in its reader's language.
    var said = main.dataset.liveUpdated || "Updated {time} venue time ({zone})";
    return said.replace("{time}", time).replace("{zone}", zone);
  }

  function swap(html) {
    var page = new DOMParser().parseFromString(html, "text/html");
    var fresh = page.getElementById("main");
    if (!fresh) { return; }
    main.innerHTML = fresh.innerHTML;
    // The navigation counts what awaits an answer: it changes with the news too.
    var inbox = document.getElementById("nav-inbox");
    var freshInbox = page.getElementById("nav-inbox");
    if (inbox && freshInbox) { inbox.innerHTML = freshInbox.innerHTML; }
    main.dataset.livePoll = fresh.dataset.livePoll || "";
    main.dataset.liveStamp = fresh.dataset.liveStamp || "";
    var status = document.querySelector(".live-status");
    if (status) { status.textContent = venueTime(new Date()); }
  }

  function refresh() {
    if (!pending || busy) { return; }
    if (typing()) { window.setTimeout(refresh, 500); return; }
    pending = false;
    busy = true;
    fetch(window.location.href, { credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(swap)
      .catch(function () { pending = true; })
      .then(function () { busy = false; if (pending) { window.setTimeout(refresh, 500); } });
  }

  function changed() {
    pending = true;
    refresh();
  }

  if (main.dataset.liveStream && window.EventSource) {
    var since = main.dataset.liveSince;
    var source = new EventSource(main.dataset.liveStream);
    source.addEventListener("ready", function (event) {
      if (JSON.parse(event.data).cursor !== since) { changed(); }
      since = null;
    });
    KINDS.forEach(function (kind) { source.addEventListener(kind, changed); });
  }

  function poll() {
    if (!main.dataset.livePoll) { return; }
    fetch(main.dataset.livePoll, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data && data.stamp !== main.dataset.liveStamp) {
          main.dataset.liveStamp = data.stamp;
          changed();
        }
      })
      .catch(function () { /* the network comes and goes at a venue: try again */ })
      .then(function () { window.setTimeout(poll, parseInt(main.dataset.liveEvery || "1000", 10)); });
  }
  if (main.dataset.livePoll) { window.setTimeout(poll, parseInt(main.dataset.liveEvery || "1000", 10)); }
})();
