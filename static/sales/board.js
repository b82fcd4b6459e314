// The pipeline board: drag a card to another column to move the deal (POST to its move URL).
// A move answers with the card, and out of band both column headers, the board's totals and, for a win
// or a loss, a note saying so (swapped by htmx); a refusal answers with JSON {message, missing?,
// stage_id?}: the card goes back and the message shows. A drop on Lost first asks why, in a dialog.
(() => {
  const board = document.getElementById("board");
  if (!board || typeof Sortable === "undefined") return;
  const messages = document.getElementById("board-messages");
  const dialog = document.getElementById("lost-dialog");
  const query = board.dataset.query || "";

  function csrfToken() {
    const headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
    return headers["X-CSRFToken"] || "";
  }

  function showMessage(text) {
    messages.replaceChildren();
    window.crm.showAlert(text, messages); // crm.js, loaded before this page's scripts
  }

  function putBack(card, list, index) {
    list.insertBefore(card, list.children[index] || null);
  }

  // Resolves to {lost_reason, lost_note}, or null when the person cancels.
  function askLostReason(card) {
    return new Promise((resolve) => {
      const form = dialog.querySelector("form");
      form.reset();
      dialog.querySelector("[data-deal-name]").textContent = card.getAttribute("aria-label");
      dialog.addEventListener("close", () => {
        const data = new FormData(form);
        resolve(dialog.returnValue === "lost" && data.get("lost_reason")
          ? { lost_reason: data.get("lost_reason"), lost_note: data.get("lost_note") || "" }
          : null);
      }, { once: true });
      dialog.returnValue = "";
      dialog.showModal();
    });
  }

  async function move(event) {
    const card = event.item;
    const from = event.from;
    const to = event.to;
    const index = event.oldIndex;
    if (from === to) return;
    const body = new URLSearchParams({ stage: to.dataset.stageId, expected_stage: card.dataset.stageId });
    if (to.closest("[data-stage-kind='lost']")) {
      const answer = await askLostReason(card);
      if (!answer) {
        putBack(card, from, index);
        card.querySelector("a")?.focus();
        return;
      }
      body.set("lost_reason", answer.lost_reason);
      body.set("lost_note", answer.lost_note);
    }
    card.setAttribute("aria-busy", "true");
    let response;
    try {
      response = await fetch(card.dataset.moveUrl + (query ? `?${query}` : ""), {
        method: "POST",
        body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), "HX-Request": "true", Accept: "text/html, application/json" },
      });
    } catch (error) {
      card.removeAttribute("aria-busy");
      putBack(card, from, index);
      showMessage("The move could not be sent; check the connection and try again.");
      return;
    }
    if (response.ok) {
      messages.replaceChildren();
      htmx.swap(card, await response.text(), { swapStyle: "outerHTML", swapDelay: 0, settleDelay: 0 });
      return;
    }
    let refusal = {};
    try {
      refusal = await response.json();
    } catch (error) {
      refusal = {};
    }
    card.removeAttribute("aria-busy");
    const current = refusal.stage_id && board.querySelector(`ol[data-stage-id="${refusal.stage_id}"]`);
    if (response.status === 409 && current) {
      current.prepend(card); // someone moved it first: show it where it is now
      card.dataset.stageId = String(refusal.stage_id);
    } else if (response.status === 409) {
      card.remove();
    } else {
      putBack(card, from, index);
    }
    showMessage(refusal.message || (response.status === 404
      ? "That deal is gone or no longer shared with you."
      : "The deal could not be moved; please try again."));
  }

  board.querySelectorAll("ol.board-cards").forEach((list) => {
    Sortable.create(list, {
      group: "board",
      sort: false,
      draggable: "[data-movable]",
      animation: 150,
      onStart: () => board.classList.add("board-dragging"),
      onEnd: (event) => {
        board.classList.remove("board-dragging");
        move(event);
      },
    });
  });

  // Won and Lost stick to the right edge side by side: each after the closed columns to its right.
  let edge = 0;
  const gap = parseFloat(getComputedStyle(board).columnGap) || 0;
  [...board.querySelectorAll(".board-column:not(.board-column-open)")].reverse().forEach((closed) => {
    closed.style.right = `${edge}px`;
    edge += closed.offsetWidth + gap;
  });

  // With more columns than fit, say so: the open ones scroll sideways under Won and Lost.
  const hint = document.getElementById("board-scroll-hint");
  function showOverflow() {
    const overflowing = board.scrollWidth > board.clientWidth + 1;
    board.classList.toggle("board-overflowing", overflowing);
    if (hint) hint.hidden = !overflowing;
  }
  showOverflow();
  window.addEventListener("resize", showOverflow);
})();
