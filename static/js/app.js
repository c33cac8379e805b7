// Small behaviours shared by all pages. No inline scripts anywhere: the pages work under a strict CSP.
document.addEventListener("click", function (event) {
  const button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) {
    event.preventDefault();
  }
});

// A table wider than its box scrolls inside it: keyboard users reach it with Tab (and scroll it
// with the arrow keys), as they can every other part of the page.
function focusableScrollers(root) {
  root.querySelectorAll(".table-wrap, .table-scroll").forEach(function (box) {
    if (box.scrollWidth > box.clientWidth) {
      box.tabIndex = 0;
    } else {
      box.removeAttribute("tabindex");
    }
  });
}
document.addEventListener("DOMContentLoaded", function () { focusableScrollers(document); });
window.addEventListener("resize", function () { focusableScrollers(document); });
document.addEventListener("htmx:afterSwap", function () { focusableScrollers(document); });
