// A search box with suggestions, the ARIA combobox pattern (the deal form's account, a deal's product):
// htmx loads the matching options into the box's listbox as the person types; arrow keys and Enter, or a
// click, pick one. The pick goes into the hidden input that data-combobox-value names, which then fires
// "change" (the deal form reloads its contact choices on it); each option carries data-value and
// data-label. Without JavaScript the server looks up the typed text instead.
const OPTION = '[role="option"]:not([aria-disabled="true"])';

function combobox(input) {
  const hidden = document.getElementById(input.dataset.comboboxValue);
  const listbox = document.getElementById(input.getAttribute("aria-controls"));
  if (!hidden || !listbox || input.dataset.comboboxReady) return;
  input.dataset.comboboxReady = "true";
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

  function announce() {
    hidden.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function pick(option) {
    hidden.value = option.dataset.value;
    input.value = option.dataset.label;
    show(false);
    announce();
  }

  input.addEventListener("input", () => {
    if (!hidden.value) return;
    hidden.value = ""; // the text no longer names what was picked before
    announce();
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
      event.preventDefault(); // picks the highlighted option instead of submitting the form
      pick(all[active]);
    } else if (event.key === "Escape" && !listbox.hidden) {
      event.preventDefault();
      show(false);
    }
  });

  input.addEventListener("blur", () => show(false));
  listbox.addEventListener("mousedown", (event) => event.preventDefault()); // keeps the focus in the box
  listbox.addEventListener("click", (event) => {
    const option = event.target.closest(OPTION);
    if (option) pick(option);
  });
  listbox.addEventListener("htmx:afterSwap", () => {
    highlight(-1);
    show(listbox.children.length > 0 && document.activeElement === input);
  });
}

// On the page as loaded, and in every part htmx swaps in later (a deal's product lines after a save).
function comboboxes(root) {
  root.querySelectorAll("[data-combobox-value]").forEach(combobox);
}
document.addEventListener("DOMContentLoaded", () => comboboxes(document));
document.addEventListener("htmx:load", (event) => comboboxes(event.target));
