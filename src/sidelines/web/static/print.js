// The "Print" button of the printed sheets: the browser's own print dialog.
document.addEventListener("click", (event) => {
  if (event.target instanceof Element && event.target.closest("[data-print]")) {
    window.print();
  }
});
