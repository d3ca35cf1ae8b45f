// The term-by-term answer on a request page: a term cannot be agreed and countered in the same
// answer, so giving a counter value for a term unticks and disables its "agree" box, and
// clearing the value gives the box back. Listeners sit on the document, because live.js swaps
// the page's <main> when the thread changes.
(function () {
  "use strict";

  function countered(form, term) {
    var fields = form.querySelectorAll("[data-counters='" + term + "']");
    for (var i = 0; i < fields.length; i += 1) {
      if (fields[i].value.trim() !== "") { return true; }
    }
    return false;
  }

  function sync(event) {
    var field = event.target;
    if (!field.dataset || !field.dataset.counters) { return; }
    var form = field.form;
    var term = field.dataset.counters;
    var box = form.querySelector("[data-agrees='" + term + "']");
    if (!box) { return; }
    var taken = countered(form, term);
    if (taken) { box.checked = false; }
    box.disabled = taken;
  }

  document.addEventListener("change", sync);
  document.addEventListener("input", sync);
}());
