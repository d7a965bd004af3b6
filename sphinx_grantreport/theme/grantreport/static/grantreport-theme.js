/* grantreport theme: the light/dark toggle (auto -> light -> dark, kept in
   localStorage) and unfolded dropdowns when printing. The saved choice is
   first applied by an inline script in <head>, before the page is drawn. */
(() => {
  "use strict";
  const KEY = "grantreport-theme";
  const CHOICES = ["auto", "light", "dark"];
  const STATES = {
    auto: "Colours follow your system (now %s)",
    light: "Light colours",
    dark: "Dark colours",
  };
  const root = document.documentElement;
  const systemDark = window.matchMedia("(prefers-color-scheme: dark)");

  const saved = () => {
    try {
      const choice = localStorage.getItem(KEY);
      return CHOICES.includes(choice) ? choice : "auto";
    } catch (e) {
      return "auto";
    }
  };

  // The choice goes on <html> as data-theme-choice, the scheme in effect as
  // data-theme ("light" or "dark", also in auto mode: the card CSS reads it).
  const apply = (choice) => {
    const scheme = choice === "auto" ? (systemDark.matches ? "dark" : "light") : choice;
    root.dataset.themeChoice = choice;
    root.dataset.theme = scheme;
    const state = STATES[choice].replace("%s", scheme);
    document.querySelectorAll(".gr-theme-toggle").forEach((b) => { b.title = state; });
    const live = document.getElementById("gr-theme-state");
    if (live) live.textContent = state;
  };

  const next = () => {
    const choice = CHOICES[(CHOICES.indexOf(root.dataset.themeChoice || "auto") + 1) % CHOICES.length];
    try {
      if (choice === "auto") localStorage.removeItem(KEY);
      else localStorage.setItem(KEY, choice);
    } catch (e) { /* storage blocked: the choice lasts for this page */ }
    apply(choice);
  };

  systemDark.addEventListener("change", () => { if (root.dataset.themeChoice === "auto") apply("auto"); });
  window.addEventListener("storage", (e) => { if (e.key === KEY) apply(saved()); });
  document.querySelectorAll(".gr-theme-toggle").forEach((b) => b.addEventListener("click", next));
  apply(saved());

  // Print what the reader could unfold: sphinx-design dropdowns and admonitions.
  let opened = [];
  window.addEventListener("beforeprint", () => {
    opened = [...document.querySelectorAll(".gr-body details:not([open]):not(.kpi-figure-data)")];
    opened.forEach((d) => { d.open = true; });
  });
  window.addEventListener("afterprint", () => opened.forEach((d) => { d.open = false; }));
})();
