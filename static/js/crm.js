// A dismissible error alert with `text`, added to `container` (the page's messages by default);
// page scripts call it as window.crm.showAlert.
function showAlert(text, container = document.getElementById("messages")) {
  const alert = document.createElement("div");
  alert.className = "alert alert-danger alert-dismissible fade show";
  alert.setAttribute("role", "alert");
  alert.textContent = text;
  const close = document.createElement("button");
  close.type = "button";
  close.className = "btn-close";
  close.setAttribute("data-bs-dismiss", "alert");
  close.setAttribute("aria-label", "Close");
  alert.append(close);
  container?.append(alert);
}
window.crm = { showAlert };

// Shows an error when an htmx request fails: htmx swaps nothing on 4xx/5xx answers by default.
document.addEventListener("htmx:responseError", (event) => {
  if (event.detail.elt.closest("#notification-bell")) return; // the next poll tries again
  const status = event.detail.xhr.status;
  showAlert(status === 403 ? "You cannot do that." : status === 404 ? "That record is gone or not shared with you."
    : "Something went wrong; please try again.");
});

// "Select all" ticks every checkbox of its form named by data-select-all; a partial choice shows as mixed.
document.addEventListener("change", (event) => {
  const box = event.target;
  if (!(box instanceof HTMLInputElement) || box.type !== "checkbox" || !box.form) return;
  const name = box.dataset.selectAll || box.name;
  const items = [...box.form.querySelectorAll(`input[type="checkbox"][name="${CSS.escape(name)}"]`)];
  const all = box.form.querySelector(`[data-select-all="${CSS.escape(name)}"]`);
  if (!all) return;
  if (box === all) {
    items.forEach((item) => { item.checked = all.checked; });
  } else {
    const checked = items.filter((item) => item.checked).length;
    all.checked = checked === items.length;
    all.indeterminate = checked > 0 && checked < items.length;
  }
});

// A field needed for one choice only (the reason, when disqualifying) shows when that choice is selected;
// without JavaScript it always shows.
function revealFields() {
  document.querySelectorAll("[data-reveal-when]").forEach((field) => {
    const select = document.getElementById(field.dataset.revealWhen);
    if (select) field.hidden = select.value !== field.dataset.revealValue;
  });
}
document.addEventListener("DOMContentLoaded", revealFields);
document.addEventListener("htmx:afterSettle", revealFields);
document.addEventListener("change", (event) => {
  if (event.target instanceof HTMLSelectElement) revealFields();
});
