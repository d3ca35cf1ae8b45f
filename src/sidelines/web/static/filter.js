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
      if (status) {
        // The page's language says which plural form a count takes (data-one, data-few, ...).
        const form = new Intl.PluralRules(document.documentElement.lang || "en").select(shown);
        const said = status.dataset[form] || status.dataset.other || "{n}";
        status.textContent = said.replace("{n}", String(shown));
      }
    };
    input.addEventListener("input", apply);
  }
});
