// Drag and drop reordering for the settings lists (stages, lost reasons, checklist items).
// A [data-sortable] list is dragged by its rows' .drag-handle; on drop the rows' data-id values are
// POSTed (as "order", in the new order) to data-sortable-url, and the answer, the list redrawn in its
// saved order with a note, replaces data-sortable-target. A refused order therefore snaps back.
// The Move up and Move down buttons do the same without a mouse. Sections that follow the list's order
// ([data-follows-order] naming the list's target, children with data-id) are put in the saved order too.
(() => {
  function save(list) {
    const order = [...list.children].map((row) => row.dataset.id).filter(Boolean);
    htmx.ajax("POST", list.dataset.sortableUrl, {
      source: list,
      target: list.dataset.sortableTarget,
      swap: "outerHTML",
      values: { order },
    });
  }

  // Puts the children of every [data-follows-order] box that follows `list` in the list's row order.
  function follow(list) {
    const target = list.dataset.sortableTarget;
    const order = [...list.children].map((row) => row.dataset.id).filter(Boolean);
    document.querySelectorAll("[data-follows-order]").forEach((box) => {
      if (box.dataset.followsOrder !== target) return;
      order.forEach((id) => {
        const item = [...box.children].find((child) => child.dataset.id === id);
        if (item) box.append(item);
      });
    });
  }

  function init(root) {
    root.querySelectorAll("[data-sortable]").forEach((list) => {
      if (list.dataset.sortableReady) return;
      list.dataset.sortableReady = "true";
      follow(list); // a redrawn list has its saved order
      list.querySelectorAll(".drag-handle").forEach((handle) => { handle.style.cursor = "grab"; });
      Sortable.create(list, {
        handle: ".drag-handle",
        animation: 150,
        onEnd: (event) => {
          if (event.oldIndex !== event.newIndex) save(list);
        },
      });
    });
  }

  htmx.onLoad(init);
})();
