/* Kabinet: register the service worker (static/js/sw.js, served at /sw.js).
 * Progressive enhancement: without it (old browser, plain http, JavaScript off) every
 * page works the same; with it the portal can be installed, keeps a signed-in customer's
 * readings forms and last receipts for use offline, and shows a translated offline page
 * when the network is down.
 *
 * The script tag tells what this page is (templates/base.html): data-pages for a page of
 * a signed-in customer (the worker then syncs the saved pages), data-signed-out for a
 * page shown to nobody signed in (the worker drops them). On the offline page it lists
 * the pages saved on this device. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!("serviceWorker" in navigator) || !script || !script.dataset.sw) return;
  var lang = document.documentElement.lang;
  var data = script.dataset;

  function tell(registration) {
    var worker = registration.active;
    if (!worker) return;
    // The cached offline page follows the language of the pages.
    worker.postMessage({ type: "language", lang: lang });
    // A saved page shown offline is not a reason to sync, nor a sign of logging out.
    if (document.querySelector("[data-kabinet-saved]") || !navigator.onLine) return;
    if (data.pages) worker.postMessage({ type: "pages" });
    else if ("signedOut" in data) worker.postMessage({ type: "signed-out" });
  }

  // The offline page: links to the pages this device keeps, with the time each was saved.
  async function listSaved() {
    var section = document.getElementById("saved-pages");
    if (!section || !window.caches || !(await caches.has("kabinet-pages"))) return;
    var cache = await caches.open("kabinet-pages");
    var listResponse = await cache.match(section.dataset.list);
    if (!listResponse) return;
    var list = await listResponse.json();
    var ul = section.querySelector("ul");
    for (var i = 0; i < list.pages.length; i++) {
      var page = list.pages[i];
      var cached = await cache.match(page.url, { ignoreVary: true });
      if (!cached) continue;
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = page.url;
      a.textContent = page.title;
      li.appendChild(a);
      var saved = new Date(cached.headers.get("X-Kabinet-Saved") || "");
      if (!isNaN(saved)) {
        var when = saved.toLocaleString(list.lang, { dateStyle: "short", timeStyle: "short" });
        li.appendChild(document.createTextNode(" · " + list.saved.replace("%(time)s", when)));
      }
      ul.appendChild(li);
    }
    if (ul.children.length) section.hidden = false;
  }

  window.addEventListener("load", function () {
    listSaved().catch(function () {});
    navigator.serviceWorker.register(data.sw, { scope: "/" })
      .then(function () { return navigator.serviceWorker.ready; })
      .then(tell)
      .catch(function () { /* no worker: the portal works as a plain website */ });
  });
})();
