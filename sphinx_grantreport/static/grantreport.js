/* sphinx-grantreport: the "Source" toggletips of cards and paragraphs.
   Loaded in <head>, without defer: the class below is set before the page is
   drawn, so the panels are folded from the start. Without JavaScript the
   buttons stay hidden and each panel shows as a line of small text. */
(() => {
  "use strict";
  document.documentElement.classList.add("kpi-js");
  const MARGIN = 8; // px kept between a panel and the edge of the window
  let open = null; // the button whose panel is open

  const panelOf = (button) => document.getElementById(button.getAttribute("aria-controls"));

  const place = (panel) => {
    // Under its button, moved sideways (never past the window's edges).
    panel.style.left = "0px";
    const width = document.documentElement.clientWidth;
    const box = panel.getBoundingClientRect();
    let shift = 0;
    if (box.right > width - MARGIN) shift = width - MARGIN - box.right;
    if (box.left + shift < MARGIN) shift = MARGIN - box.left;
    panel.style.left = `${shift}px`;
  };

  const close = (focusButton) => {
    if (!open) return;
    const button = open;
    open = null;
    button.setAttribute("aria-expanded", "false");
    panelOf(button)?.classList.remove("kpi-tip-open");
    if (focusButton) button.focus();
  };

  const show = (button) => {
    close(false);
    const panel = panelOf(button);
    if (!panel) return;
    open = button;
    button.setAttribute("aria-expanded", "true");
    panel.classList.add("kpi-tip-open");
    place(panel);
  };

  document.addEventListener("click", (event) => {
    const button = event.target.closest?.(".kpi-tip-button");
    if (button) {
      if (button === open) close(false);
      else show(button);
    } else if (open && !panelOf(open)?.contains(event.target)) {
      close(false); // a click elsewhere
    }
  });

  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && open) {
      const inside = open === document.activeElement
        || panelOf(open)?.contains(document.activeElement);
      close(inside);
      event.preventDefault();
    }
  });

  window.addEventListener("resize", () => {
    if (open) place(panelOf(open));
  });
})();
