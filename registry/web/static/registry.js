// Progressive enhancement only: every page works without this file.
// Start the design system's components, and again on content htmx swaps in.
const designSystem = window.DS;

function start(scope) {
  if (designSystem && typeof designSystem.initAll === "function") {
    designSystem.initAll(scope);
  }
  // With this script the sort applies as it is chosen, so its button is not needed.
  scope.querySelectorAll(".registry-apply-sort").forEach((button) => { button.style.display = "none"; });
}

start(document);
document.body.addEventListener("htmx:afterSwap", (event) => start(event.detail.target));

// The discover page's results are replaced as filters change (htmx). Keep the "Search filters"
// toggle as it was and the focus on the option just ticked, on the new copy of each.
let kept = null;
document.body.addEventListener("htmx:beforeSwap", () => {
  const filters = document.getElementById("filters-details");
  kept = {
    open: filters ? filters.open : false,
    focused: document.activeElement ? document.activeElement.id : "",
  };
});
document.body.addEventListener("htmx:afterSwap", () => {
  if (!kept) return;
  const filters = document.getElementById("filters-details");
  if (filters && kept.open) filters.open = true;
  const focused = kept.focused && document.getElementById(kept.focused);
  if (focused && document.activeElement !== focused) focused.focus({ preventScroll: true });
  kept = null;
});

// A select marked data-registry-apply-on-choice (the sort order) applies a choice once it is
// made, not at each arrow key: a change made by keys on the closed list waits for Enter or for
// the focus to leave it; a change made with the pointer, or in the opened list, goes at once.
const NAVIGATING = new Set(["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "Home", "End", "PageUp", "PageDown"]);
let lastKey = "";
let pending = null;

function isChoice(target) {
  return target instanceof HTMLSelectElement && target.hasAttribute("data-registry-apply-on-choice");
}

function apply(select) {
  pending = null;
  select.dispatchEvent(new Event("change", { bubbles: true }));
}

document.addEventListener("keydown", (event) => {
  if (!isChoice(event.target)) return;
  // Space, Alt with an arrow and F4 open the list, where a choice is made with Enter or a click.
  const opens = event.key === " " || event.key === "F4" || event.altKey;
  lastKey = !opens && (NAVIGATING.has(event.key) || event.key.length === 1) ? "navigating" : "";
  if (event.key === "Enter" && pending === event.target) {
    event.preventDefault();
    apply(event.target);
  }
}, true);
document.addEventListener("pointerdown", () => { lastKey = ""; }, true);
document.addEventListener("change", (event) => {
  if (!isChoice(event.target) || !event.isTrusted) return;
  if (lastKey === "navigating") {
    event.stopPropagation();
    pending = event.target;
  }
}, true);
document.addEventListener("focusout", (event) => {
  if (pending && event.target === pending) apply(pending);
}, true);
