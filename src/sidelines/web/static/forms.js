// A form is sent once. On a crowded venue network the answer to a post can take seconds, and a
// second click meanwhile would send it again: the browser drops the first answer and shows the
// second, which refuses what the first did ("a request to them is still open", "already
// answered"). So a second submit of a form on its way is ignored, and its button says it is
// busy. A page brought back by the Back button (the browser's page cache) takes posts again, and
// so does a form whose post was stopped (the browser's Stop, a network gone) after a while.
(function () {
  "use strict";
  var SENDING = "data-sending";
  var RETRY_AFTER_MS = 30000;

  function ready(form) {
    form.removeAttribute(SENDING);
    form.removeAttribute("aria-busy");
    Array.prototype.forEach.call(form.querySelectorAll("[aria-disabled]"), function (button) {
      button.removeAttribute("aria-disabled");
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || event.defaultPrevented) { return; }
    if ((form.getAttribute("method") || "get").toLowerCase() !== "post") { return; }
    if (form.hasAttribute(SENDING)) { event.preventDefault(); return; }
    form.setAttribute(SENDING, "");
    form.setAttribute("aria-busy", "true");
    // Not disabled: a disabled button would leave its own name and value out of the post.
    var buttons = form.querySelectorAll("button[type=submit], button:not([type]), input[type=submit]");
    Array.prototype.forEach.call(buttons, function (button) { button.setAttribute("aria-disabled", "true"); });
    window.setTimeout(function () { ready(form); }, RETRY_AFTER_MS);
  });

  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    Array.prototype.forEach.call(document.querySelectorAll("form[" + SENDING + "]"), ready);
  });
}());
