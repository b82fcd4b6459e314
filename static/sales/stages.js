// Drag and drop reordering for the settings lists (stages, lost reasons, checklist items).
// A [data-sortable] list is dragged by its rows' .drag-handle; on drop the rows' data-id values are
// POSTed (as "order", in the new order) to data-sortable-url, and the answer, the list redrawn in its
// saved order with a note, replaces data-sortable-target. A refused order therefore snaps back.
// The Move up and Move down buttons do the same without a mouse.
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

  function init(root) {
    root.querySelectorAll("[data-sortable]").forEach((list) => {
      if (list.dataset.sortableReady) return;
      list.dataset.sortableReady = "true";
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
