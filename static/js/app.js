// Small behaviours shared by all pages. No inline scripts anywhere: the pages work under a strict CSP.
document.addEventListener("click", function (event) {
  const button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) {
    event.preventDefault();
  }
});
