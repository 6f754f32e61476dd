// Starts the interactive API reference on /api from the OpenAPI document the page names. The
// viewer (Swagger UI) is served from this site; this file is its only set-up, so no inline
// script is needed.
(function () {
  "use strict";
  var target = document.getElementById("api-reference");
  if (!target || typeof window.SwaggerUIBundle !== "function") {
    return;
  }
  window.SwaggerUIBundle({
    url: target.getAttribute("data-document"),
    domNode: target,
    deepLinking: false,
    tryItOutEnabled: false,
  });
})();
