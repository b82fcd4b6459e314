// The deal form's account search, a combobox: htmx loads the matching accounts into its listbox as the
// person types; arrow keys and Enter, or a click, pick one into the hidden account id, whose own "change"
// reloads the primary contact choices. Without JavaScript the server looks up the typed name or domain.
const OPTION = '[role="option"]:not([aria-disabled="true"])';

function accountPicker(input) {
  const hidden = document.getElementById(input.dataset.accountIdInput);
  const listbox = document.getElementById(input.getAttribute("aria-controls"));
  if (!hidden || !listbox) return;
  let active = -1;

  const options = () => [...listbox.querySelectorAll(OPTION)];

  function highlight(index) {
    const all = options();
    active = index;
    all.forEach((option, i) => {
      option.setAttribute("aria-selected", String(i === index));
      option.classList.toggle("active", i === index);
    });
    if (index >= 0 && all[index]) {
      input.setAttribute("aria-activedescendant", all[index].id);
      all[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function show(open) {
    listbox.hidden = !open;
    input.setAttribute("aria-expanded", String(open));
    if (!open) highlight(-1);
  }

  function announceAccount() {
    hidden.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function pick(option) {
    hidden.value = option.dataset.accountId;
    input.value = option.dataset.accountName;
    show(false);
    announceAccount();
  }

  input.addEventListener("input", () => {
    if (!hidden.value) return;
    hidden.value = ""; // the text no longer names the account picked before
    announceAccount();
  });

  input.addEventListener("keydown", (event) => {
    const all = options();
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!all.length) return;
      event.preventDefault();
      show(true);
      const step = event.key === "ArrowDown" ? 1 : -1;
      const start = active < 0 ? (step > 0 ? -1 : all.length) : active;
      highlight((start + step + all.length) % all.length);
    } else if (event.key === "Enter" && !listbox.hidden && active >= 0) {
      event.preventDefault(); // picks the highlighted account instead of submitting the form
      pick(all[active]);
    } else if (event.key === "Escape" && !listbox.hidden) {
      event.preventDefault();
      show(false);
    }
  });

  input.addEventListener("blur", () => show(false));
  listbox.addEventListener("mousedown", (event) => event.preventDefault()); // keeps the focus in the input
  listbox.addEventListener("click", (event) => {
    const option = event.target.closest(OPTION);
    if (option) pick(option);
  });

  document.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target !== listbox) return;
    highlight(-1);
    show(listbox.children.length > 0 && document.activeElement === input);
  });
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-account-id-input]").forEach(accountPicker);
});
