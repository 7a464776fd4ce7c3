/* Kabinet: register the service worker (static/js/sw.js, served at /sw.js).
 * Progressive enhancement: without it (old browser, plain http, JavaScript off) every
 * page works the same; with it the portal can be installed and shows a translated
 * offline page when the network is down. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!("serviceWorker" in navigator) || !script || !script.dataset.sw) return;
  var lang = document.documentElement.lang;
  window.addEventListener("load", function () {
    navigator.serviceWorker.register(script.dataset.sw, { scope: "/" })
      .then(function () { return navigator.serviceWorker.ready; })
      .then(function (registration) {
        // The cached offline page follows the language of the pages.
        if (registration.active) registration.active.postMessage({ type: "language", lang: lang });
      })
      .catch(function () { /* no worker: the portal works as a plain website */ });
  });
})();
