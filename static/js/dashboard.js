// The dashboard's period selector: choosing a preset shows it at once; "Custom range" waits for
// the dates and the Show button. Without JavaScript the Show button does it all.
document.addEventListener("change", function (event) {
  const select = event.target.closest(".period-form select[name=period]");
  if (select && select.value !== "custom") {
    select.form.requestSubmit();
  }
});
