// Live pages without a reload. When something the reader may see changes, the page is fetched
// again and its <main> swapped in place, and a polite status message tells screen readers.
//
// Two ways to hear of a change, named on <main>:
// - data-live-stream: the event's server-sent events (GET /api/events/{id}/live); the page
//   carries the cursor it was rendered at (data-live-since), so a change made between the
//   rendering and the stream's opening ("ready" names the cursor it starts from) is not missed;
// - data-live-poll: a small JSON document whose "stamp" changes with the news (a solve's
//   progress), asked for every data-live-every milliseconds.
// A swap waits while the reader is typing in a form, or has filled one in without sending it
// yet (moved on to its button, say), so that nothing written is lost; the status line says that
// news waits. After a swap the focus stays on the same link, field or button, so that a keyboard
// or screen-reader user keeps their place.
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

  // A list changed by the reader: one with no option marked in the page shows its first one.
  function chosen(select) {
    var options = select.options;
    var marked = -1;
    for (var j = 0; j < options.length; j++) {
      if (select.multiple && options[j].selected !== options[j].defaultSelected) { return true; }
      if (options[j].defaultSelected) { marked = j; }
    }
    return !select.multiple && select.selectedIndex !== (marked === -1 ? 0 : marked);
  }

  // A form the reader has changed from what the page came with (hidden fields aside).
  function filledIn() {
    var fields = main.querySelectorAll("input, textarea, select");
    for (var i = 0; i < fields.length; i++) {
      var field = fields[i];
      if (field.type === "hidden") { continue; }
      if (field.tagName === "SELECT") {
        if (chosen(field)) { return true; }
      } else if (field.type === "checkbox" || field.type === "radio") {
        if (field.checked !== field.defaultChecked) { return true; }
      } else if (field.value !== field.defaultValue) {
        return true;
      }
    }
    return false;
  }

  function say(text) {
    var status = document.querySelector(".live-status");
    if (status && status.textContent !== text) { status.textContent = text; }
  }

  // Where the focus is, said so that the same control can be found in the fresh <main>.
  function focusPlace() {
    var active = document.activeElement;
    if (!active || active === main || !main.contains(active)) { return null; }
    if (active.id) { return { id: active.id }; }
    var all = main.querySelectorAll(active.tagName);
    return { tag: active.tagName, index: Array.prototype.indexOf.call(all, active) };
  }

  function refocus(place) {
    if (!place) { return; }
    var found = place.id ? document.getElementById(place.id)
      : main.querySelectorAll(place.tag)[place.index];
    (found && main.contains(found) ? found : main).focus({ preventScroll: true });
  }

  function swap(html) {
    var page = new DOMParser().parseFromString(html, "text/html");
    var fresh = page.getElementById("main");
    if (!fresh) { return; }
    var place = focusPlace();
    main.innerHTML = fresh.innerHTML;
    refocus(place);
    // The navigation counts what awaits an answer: it changes with the news too.
    var inbox = document.getElementById("nav-inbox");
    var freshInbox = page.getElementById("nav-inbox");
    if (inbox && freshInbox) { inbox.innerHTML = freshInbox.innerHTML; }
    main.dataset.livePoll = fresh.dataset.livePoll || "";
    main.dataset.liveStamp = fresh.dataset.liveStamp || "";
    say(venueTime(new Date()));
  }

  function refresh() {
    if (!pending || busy) { return; }
    if (typing() || filledIn()) {
      if (!typing()) { say(main.dataset.liveWaiting || "News waits until you send or clear the form"); }
      window.setTimeout(refresh, 500);
      return;
    }
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
