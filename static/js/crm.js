// Shows an error when an htmx request fails: htmx swaps nothing on 4xx/5xx answers by default.
document.addEventListener("htmx:responseError", (event) => {
  if (event.detail.elt.closest("#notification-bell")) return; // the next poll tries again
  const status = event.detail.xhr.status;
  const text = status === 403 ? "You cannot do that." : status === 404 ? "That record is gone or not shared with you."
    : "Something went wrong; please try again.";
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
  document.getElementById("messages")?.append(alert);
});
