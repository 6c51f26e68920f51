// "Print this page" buttons: shown only when JavaScript runs (see frontline.css).
for (const button of document.querySelectorAll("[data-app-print]")) {
  button.addEventListener("click", () => window.print());
}
