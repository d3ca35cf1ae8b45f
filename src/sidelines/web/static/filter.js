// Filters a table's rows as one types into an input with data-filter-rows (a CSS selector of
// the rows; each row's data-name holds the words it is found by). Without script the input's
// form asks the server for the same filter.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  for (const input of document.querySelectorAll("input[data-filter-rows]")) {
    const status = document.getElementById("filter-status");
    const apply = () => {
      const needle = input.value.trim().toLowerCase();
      let shown = 0;
      for (const row of document.querySelectorAll(input.dataset.filterRows)) {
        const hit = (row.dataset.name || "").includes(needle);
        row.hidden = !hit;
        if (hit) shown += 1;
      }
      if (status) status.textContent = `${shown} ${shown === 1 ? "party" : "parties"} shown`;
    };
    input.addEventListener("input", apply);
  }
});
