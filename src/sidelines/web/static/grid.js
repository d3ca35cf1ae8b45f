// The schedule grid without a reload when the organiser picks a meeting to move: the grid of
// the picked meeting (its places marked) is fetched and swapped into <main>, the table keeps
// its scroll position, and the focus goes to the picked meeting's heading. Without JavaScript
// the same links load the same page.
(function () {
  "use strict";
  var main = document.getElementById("main");
  if (!main || !window.fetch || !window.DOMParser) { return; }

  function show(html, href) {
    var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("main");
    if (!fresh) { window.location.href = href; return; }
    var wrap = main.querySelector(".grid-wrap");
    var left = wrap ? wrap.scrollLeft : 0;
    var top = wrap ? wrap.scrollTop : 0;
    main.innerHTML = fresh.innerHTML;
    wrap = main.querySelector(".grid-wrap");
    if (wrap) { wrap.scrollLeft = left; wrap.scrollTop = top; }
    window.history.pushState(null, "", href);
    var heading = document.getElementById("picked-title");
    if (heading) { heading.focus(); }
  }

  main.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a.pick") : null;
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey) { return; }
    event.preventDefault();
    fetch(link.href, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) { show(html, link.href); })
      .catch(function () { window.location.href = link.href; });
  });

  window.addEventListener("popstate", function () { window.location.reload(); });
}());
