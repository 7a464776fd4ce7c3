/* Kabinet service worker. Served at /sw.js by kabinet.portal.pwa.service_worker, which
 * puts its configuration in front of this file:
 *   self.KABINET = {version, static, offline, shell: [URLs cached on install]}
 *
 * What is cached, and why no customer's page can be shown to another:
 *  - the app shell (our CSS, scripts, icons) and the offline page. None of them holds
 *    customer data: the offline page is rendered as for an anonymous visitor;
 *  - HTML pages are always fetched from the network and never stored (network only,
 *    with the offline page as the fallback), so nothing is left behind after a logout;
 *  - form posts, the API and anything else go straight to the network.
 */
"use strict";

var CONFIG = self.KABINET;
var CACHE = "kabinet-shell-" + CONFIG.version;
var DAY_MS = 24 * 3600 * 1000;

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE)
      .then(function (cache) {
        // "reload": bypass the HTTP cache so the shell matches this version.
        return cache.addAll(CONFIG.shell.map(function (url) { return new Request(url, { cache: "reload" }); }));
      })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys()
      .then(function (keys) {
        return Promise.all(keys.filter(function (key) {
          return key.indexOf("kabinet-") === 0 && key !== CACHE;
        }).map(function (key) { return caches.delete(key); }));
      })
      .then(function () { return self.clients.claim(); })
  );
});

function offlinePage() {
  return caches.match(CONFIG.offline).then(function (page) { return page || Response.error(); });
}

// The shell: answer from the cache at once and refresh it in the background.
function shellFile(event) {
  return caches.open(CACHE).then(function (cache) {
    return cache.match(event.request).then(function (cached) {
      var fresh = fetch(event.request).then(function (response) {
        if (response.ok) cache.put(event.request, response.clone());
        return response;
      });
      if (cached) {
        event.waitUntil(fresh.catch(function () {}));
        return cached;
      }
      return fresh;
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    // Network only: pages are personal and never cached.
    event.respondWith(fetch(request).catch(offlinePage));
    return;
  }
  if (CONFIG.shell.indexOf(url.pathname) !== -1 && url.pathname !== CONFIG.offline) {
    event.respondWith(shellFile(event));
  }
});

// Each page tells its language (static/js/pwa.js): keep the offline page in it, and
// refresh it once a day so that a new text or phone number reaches the device.
self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type !== "language") return;
  event.waitUntil(
    caches.open(CACHE).then(function (cache) {
      return cache.match(CONFIG.offline).then(function (cached) {
        var date = cached ? Date.parse(cached.headers.get("Date") || "") : NaN;
        var stale = !cached || cached.headers.get("Content-Language") !== data.lang ||
          !(Date.now() - date < DAY_MS);
        if (stale) return cache.add(new Request(CONFIG.offline, { cache: "reload" }));
      });
    }).catch(function () {})
  );
});
