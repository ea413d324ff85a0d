/* The console's widget preview: loads the real widget with the key in the URL fragment and
 * applies unsaved settings the console posts to it (from its own origin only). */
(function () {
  "use strict";
  var key = new URLSearchParams(location.hash.slice(1)).get("key") || "";
  if (!/^ccgpt_pk_[A-Za-z0-9_-]+$/.test(key)) return;
  var pending = null;
  var tries = 0;

  function apply() {
    var widget = window.__ccgptWidget;
    if (widget && typeof widget.preview === "function") {
      widget.preview(pending, true);
      return;
    }
    if (++tries < 100) setTimeout(apply, 100);
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== location.origin || event.source !== window.parent) return;
    var data = event.data;
    if (!data || data.type !== "ccgpt-preview" || typeof data.settings !== "object") return;
    pending = data.settings;
    tries = 0;
    apply();
  });

  var script = document.createElement("script");
  script.src = "/widget/v1/widget.js";
  script.async = true;
  script.setAttribute("data-ccgpt-key", key);
  document.head.appendChild(script);
  apply();
})();
