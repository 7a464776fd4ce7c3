/* Kabinet service worker. Served at /sw.js by kabinet.portal.pwa.service_worker, which
 * puts its configuration in front of this file:
 *   self.KABINET = {version, static, offline, shell: [URLs cached on install],
 *                   pages: URL of the list of pages to keep, logins: [login pages],
 *                   logouts: [logout URLs], never: [prefixes]}
 *
 * What is cached, and why no customer's page can be shown to another:
 *  - the app shell (our CSS, scripts, icons) and the offline page. None of them holds
 *    customer data: the offline page is rendered as for an anonymous visitor;
 *  - for a signed-in customer, the few pages the server lists at CONFIG.pages (the
 *    readings forms, the last receipts; an inspector's routes of the day), in the cache
 *    PAGES, and nothing else: a page is
 *    stored only if its exact URL is on the list. Each page is fetched again when it is
 *    visited online (network first) and by the list's sync when it is an hour old;
 *  - PAGES is dropped on a logout POST, on any visit of a login page (also when a page
 *    redirects there: the back office's has no script to say so), when a page
 *    says nobody is signed in, and when the list comes back empty (an expired session):
 *    a shared phone keeps no one else's pages;
 *  - other pages go to the network (the offline page when there is none); form posts,
 *    the back office, the API and anything else are never touched.
 */
"use strict";

var CONFIG = self.KABINET;
var CACHE = "kabinet-shell-" + CONFIG.version;
var PAGES = "kabinet-pages";
var DAY_MS = 24 * 3600 * 1000;
var REFRESH_MS = 3600 * 1000; // a saved page not visited for an hour is fetched again
var MAX_PAGES = 20; // whatever the list says
var SYNC_EVERY_MS = 60 * 1000;
var lastSync = 0;
var generation = 0; // bumped by dropPages(): a sync running then stores nothing more

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
          // The saved pages outlive a new version of the worker.
          return key.indexOf("kabinet-") === 0 && key !== CACHE && key !== PAGES;
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

// --- the customer's saved pages ------------------------------------------------------

function pageKey(url) {
  return url.pathname + url.search;
}

function allowed(url) {
  return url.origin === self.location.origin && !CONFIG.never.some(function (prefix) {
    return url.pathname.indexOf(prefix) === 0;
  });
}

function dropPages() {
  generation += 1;
  lastSync = 0;
  return caches.delete(PAGES);
}

// The list as last fetched (stored in PAGES under CONFIG.pages): {pages, lang, banner, saved}.
function savedList() {
  return caches.has(PAGES).then(function (has) {
    if (!has) return null;
    return caches.open(PAGES)
      .then(function (cache) { return cache.match(CONFIG.pages); })
      .then(function (response) { return response ? response.json() : null; });
  });
}

function listed(list, key) {
  return !!list && list.pages.some(function (page) { return page.url === key; });
}

// Keep a page: only a full, same-origin HTML answer, with the time it was saved.
async function store(key, response, gen) {
  var type = response.headers.get("Content-Type") || "";
  if (!response.ok || response.redirected || response.type !== "basic" || type.indexOf("text/html") !== 0) return;
  var body = await response.arrayBuffer();
  if (gen !== generation) return; // logged out meanwhile
  var headers = new Headers(response.headers);
  headers.set("X-Kabinet-Saved", new Date().toISOString());
  var cache = await caches.open(PAGES);
  await cache.put(key, new Response(body, { status: response.status, statusText: response.statusText, headers: headers }));
}

// Ask the server which pages to keep for the signed-in customer, drop the others, fetch
// the missing and the old ones.
async function syncPages() {
  if (Date.now() - lastSync < SYNC_EVERY_MS) return;
  lastSync = Date.now();
  var gen = generation;
  var response = await fetch(CONFIG.pages, { credentials: "same-origin", cache: "no-store" });
  if (!response.ok || response.redirected) return;
  var list = await response.json();
  if (gen !== generation) return;
  list.pages = list.pages.filter(function (page) {
    return allowed(new URL(page.url, self.location.origin));
  }).slice(0, MAX_PAGES);
  if (!list.pages.length) {
    await dropPages();
    return;
  }
  // A page whose title changed is another page now (/readings/ after choosing another
  // account): fetched again whatever its age.
  var before = {};
  ((await savedList()) || { pages: [] }).pages.forEach(function (page) { before[page.url] = page.title; });
  var cache = await caches.open(PAGES);
  await cache.put(CONFIG.pages, new Response(JSON.stringify(list), { headers: { "Content-Type": "application/json" } }));
  var wanted = list.pages.map(function (page) { return page.url; });
  list.pages.forEach(function (page) {
    if (before[page.url] !== page.title) before[page.url] = null;
  });
  var requests = await cache.keys();
  var have = {};
  for (var i = 0; i < requests.length; i++) {
    var key = pageKey(new URL(requests[i].url));
    if (key === CONFIG.pages) continue;
    if (wanted.indexOf(key) === -1) {
      await cache.delete(requests[i]);
    } else {
      var cached = await cache.match(requests[i]);
      have[key] = Date.parse(cached.headers.get("X-Kabinet-Saved") || "") || 0;
    }
  }
  for (var j = 0; j < wanted.length; j++) {
    if (gen !== generation) return;
    if (before[wanted[j]] !== null && Date.now() - (have[wanted[j]] || 0) < REFRESH_MS) continue;
    try {
      await store(wanted[j], await fetch(wanted[j], { credentials: "same-origin", cache: "no-store" }), gen);
    } catch (e) {
      return; // offline again: the next page visit tries again
    }
  }
}

function escapeHtml(text) {
  return text.replace(/[&<>"']/g, function (c) {
    return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
  });
}

// A saved page, with a banner that says it is one and when it was saved.
async function savedPage(key) {
  var list = await savedList();
  if (!listed(list, key)) return null;
  var cache = await caches.open(PAGES);
  var cached = await cache.match(key, { ignoreVary: true });
  if (!cached) return null;
  var saved = new Date(cached.headers.get("X-Kabinet-Saved") || Date.now());
  var when;
  try {
    when = saved.toLocaleString(list.lang, { dateStyle: "short", timeStyle: "short" });
  } catch (e) {
    when = saved.toISOString();
  }
  // Styled as the portal's messages (static/css/kabinet.css); plain text on a receipt.
  var banner = '<ul class="messages offline-banner"><li class="msg-warning" role="status" data-kabinet-saved="' +
    escapeHtml(saved.toISOString()) + '">' + escapeHtml(list.banner.replace("%(time)s", when)) + "</li></ul>";
  var html = await cached.text();
  var main = html.match(/<main\b[^>]*>/);
  var body = html.match(/<body\b[^>]*>/);
  var at = main || body;
  if (at) {
    html = html.slice(0, at.index + at[0].length) + banner + html.slice(at.index + at[0].length);
  } else {
    html = banner + html;
  }
  var headers = new Headers(cached.headers);
  headers.delete("Content-Length");
  return new Response(html, { status: 200, headers: headers });
}

async function navigate(event) {
  var request = event.request;
  var url = new URL(request.url);
  var key = pageKey(url);
  var response;
  try {
    response = await fetch(request);
  } catch (e) {
    return (await savedPage(key)) || offlinePage();
  }
  var landed = response.redirected ? new URL(response.url).pathname : url.pathname;
  if (CONFIG.logins.indexOf(url.pathname) !== -1 || CONFIG.logins.indexOf(landed) !== -1) {
    event.waitUntil(dropPages()); // logged out, or the session has expired
  } else if (allowed(url)) {
    var gen = generation;
    var list = await savedList();
    // Visited online: the saved copy is refreshed.
    if (listed(list, key)) event.waitUntil(store(key, response.clone(), gen).catch(function () {}));
  }
  return response;
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method !== "GET") {
    // Logging out drops the saved pages; any other post may change them (a new receipt),
    // so the next page asks for the list again.
    if (CONFIG.logouts.indexOf(url.pathname) !== -1) event.waitUntil(dropPages());
    else lastSync = 0;
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(navigate(event));
    return;
  }
  if (CONFIG.shell.indexOf(url.pathname) !== -1 && url.pathname !== CONFIG.offline) {
    event.respondWith(shellFile(event));
  }
});

// Each page tells its language (static/js/pwa.js): keep the offline page in it, and
// refresh it once a day so that a new text or phone number reaches the device. A page for
// a signed-in customer also asks to sync the saved pages; a page for nobody drops them.
self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type === "pages") {
    event.waitUntil(syncPages().catch(function () {}));
    return;
  }
  if (data.type === "signed-out") {
    event.waitUntil(dropPages());
    return;
  }
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
