// The web-form designer: the public address (slug) follows the name as it is typed, made the way
// Django's slugify makes it on the server, until the designer types an address of their own.
// Emptying the address hands it back to the name.

function slugify(text) {
  return text
    .normalize("NFKD")
    .replace(/[^\x00-\x7F]/g, "")
    .toLowerCase()
    .replace(/[^\w\s-]/g, "")
    .replace(/[-\s]+/g, "-")
    .replace(/^[-_]+|[-_]+$/g, "");
}

for (const slug of document.querySelectorAll("input[data-slug-from]")) {
  const name = document.getElementById(slug.dataset.slugFrom);
  if (!name) continue;
  const limit = slug.maxLength > 0 ? slug.maxLength : 50;
  const fromName = () => slugify(name.value).slice(0, limit).replace(/[-_]+$/, "");
  let following = slug.value === "" || slug.value === fromName();
  name.addEventListener("input", () => {
    if (following) slug.value = fromName();
  });
  slug.addEventListener("input", () => {
    following = slug.value === "";
  });
}
