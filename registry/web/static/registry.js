// Progressive enhancement only: every page works without this file.
// Start the design system's components, and again on content htmx swaps in.
const designSystem = window.DS;

function start(scope) {
  if (designSystem && typeof designSystem.initAll === "function") {
    designSystem.initAll(scope);
  }
}

start(document);
document.body.addEventListener("htmx:afterSwap", (event) => start(event.detail.target));
