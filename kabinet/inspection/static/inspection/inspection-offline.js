/* Kabinet: the inspector's offline queue on the route page (progressive enhancement).
 *
 * Without this script each stop's form is a plain POST and works as it is. With it:
 *  - a stop is sent with fetch(); when there is no network, the form's fields and photos
 *    are kept in IndexedDB (photos are files: localStorage cannot hold them) together with
 *    the login, the time of the check and the form's client_uuid, and the stop says so;
 *  - when the connection returns ("online") or the page is opened again, every queued
 *    stop of this login is POSTed to its form's URL. The server stores a client_uuid once,
 *    so a resend after a lost answer never makes a second check;
 *  - the stop is then shown as the server renders it (recorded, or with its reasons), and
 *    the service worker is asked to fetch the route again: the copy it keeps for a page
 *    opened offline (kabinet/inspection/offline.py) then shows the stop as done.
 * The customer's readings queue (static/js/readings-offline.js) works the same way.
 */
(function () {
  "use strict";

  var DB = "kabinet-inspection";
  var STORE = "queue";
  var MAX_AGE_MS = 7 * 24 * 3600 * 1000; // the server takes a queued check's time up to a week
  var flushing = false;

  if (!window.fetch || !window.FormData || !window.DOMParser || !window.indexedDB) return;

  // --- the queue in IndexedDB ----------------------------------------------------------
  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(STORE, { keyPath: "key" }); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }
  function run(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result = work(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(result && "result" in result ? result.result : undefined); };
        tx.onerror = function () { db.close(); reject(tx.error); };
      });
    });
  }
  function put(entry) { return run("readwrite", function (s) { s.put(entry); }); }
  function drop(key) { return run("readwrite", function (s) { s.delete(key); }); }
  function all() { return run("readonly", function (s) { return s.getAll(); }); }
  function mine(user) {
    return all().then(function (items) {
      var now = Date.now();
      return (items || []).filter(function (e) { return e.user === user && now - e.saved < MAX_AGE_MS; })
        .sort(function (a, b) { return a.saved - b.saved; });
    });
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.from(b, function (x) { return x.toString(16).padStart(2, "0"); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  // The form as an entry: text fields, non-empty files, the time the check was taken.
  function entryOf(form) {
    var fields = [];
    var files = [];
    new FormData(form).forEach(function (value, name) {
      if (name === "csrfmiddlewaretoken") return;
      if (value instanceof File) {
        if (value.size) files.push([name, value]);
      } else {
        fields.push([name, String(value)]);
      }
    });
    fields.push(["taken_at", new Date().toISOString()]);
    var heading = form.closest("section") && form.closest("section").querySelector("h2");
    return {
      key: form.querySelector("input[name=client_uuid]").value,
      user: form.dataset.user,
      stop: form.dataset.stop,
      action: form.action,
      fields: fields,
      files: files,
      label: heading ? heading.textContent.trim() : "",
      saved: Date.now()
    };
  }

  // --- the page ------------------------------------------------------------------------
  // The route page's status box carries the login and the translated messages.
  function statusBox() {
    return document.getElementById("offline-status");
  }
  function say(text, lines) {
    var box = statusBox();
    if (!box) return;
    box.textContent = "";
    var p = document.createElement("p");
    p.textContent = text;
    box.appendChild(p);
    if (lines && lines.length) {
      var ul = document.createElement("ul");
      lines.forEach(function (line) {
        var li = document.createElement("li");
        li.textContent = line;
        ul.appendChild(li);
      });
      box.appendChild(ul);
    }
    box.hidden = false;
  }
  function showWaiting(box, text) {
    return mine(box.dataset.user).then(function (items) {
      if (items.length) say(text || box.dataset.msgWaiting, items.map(function (e) { return e.label; }));
      items.forEach(function (e) {
        var f = document.querySelector("form[data-inspection-queue][data-stop='" + e.stop + "']");
        if (f) f.hidden = true; // waiting on the phone: not entered twice
      });
    });
  }

  // Show a stop as the server rendered it (saved, or refused with its reasons).
  function showStop(doc, stop) {
    var fresh = doc.getElementById("stop-" + stop);
    var here = document.getElementById("stop-" + stop);
    if (fresh && here) here.replaceWith(document.adoptNode(fresh));
    var alert = document.querySelector("#stop-" + stop + " [role=alert]");
    if (alert) {
      alert.setAttribute("tabindex", "-1");
      alert.focus();
    }
  }

  function post(entry) {
    var body = new FormData();
    var token = document.querySelector("input[name=csrfmiddlewaretoken]");
    body.append("csrfmiddlewaretoken", token ? token.value : "");
    entry.fields.forEach(function (pair) { body.append(pair[0], pair[1]); });
    entry.files.forEach(function (pair) { body.append(pair[0], pair[1], pair[1].name || "photo"); });
    return fetch(entry.action, { method: "POST", body: body, credentials: "same-origin" });
  }

  // The worker's list of saved pages names each route with the stops left: a changed
  // name makes it fetch that route again.
  function refreshSaved() {
    var worker = navigator.serviceWorker && navigator.serviceWorker.controller;
    if (worker) worker.postMessage({ type: "pages" });
  }

  function parse(html) {
    return new DOMParser().parseFromString(html, "text/html");
  }

  async function enqueue(form, entry) {
    await put(entry);
    form.querySelector("input[name=client_uuid]").value = newKey();
    form.hidden = true;
    await showWaiting(statusBox(), statusBox().dataset.msgSaved);
  }

  async function submit(event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-inspection-queue]")) return;
    event.preventDefault();
    var entry = entryOf(form);
    if (!navigator.onLine) {
      await enqueue(form, entry);
      return;
    }
    var button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true; // no double submits while waiting
    var response;
    try {
      response = await post(entry);
    } catch (e) {
      if (button) button.disabled = false;
      await enqueue(form, entry); // the network failed on the way: same key, a replay if it arrived
      return;
    }
    if (response.ok || response.status === 400) {
      showStop(parse(await response.text()), entry.stop);
      refreshSaved();
    } else {
      form.submit(); // logged out, a server error: the browser shows the page
    }
  }

  async function flush() {
    var box = statusBox();
    if (flushing || !navigator.onLine || !box) return;
    var queued = await mine(box.dataset.user);
    if (!queued.length) return;
    flushing = true;
    say(box.dataset.msgSending);
    var kept = false;
    for (var i = 0; i < queued.length; i++) {
      var entry = queued[i];
      var response;
      try {
        response = await post(entry);
      } catch (e) {
        kept = true; // offline again: the rest waits for the next "online"
        break;
      }
      if (response.ok || response.status === 400) {
        await drop(entry.key);
        showStop(parse(await response.text()), entry.stop);
      } else if (response.status === 404) {
        await drop(entry.key); // no longer this inspector's stop: nothing can be sent
      } else {
        kept = true; // a server error or an expired session: try again later
      }
    }
    flushing = false;
    refreshSaved();
    say(kept ? box.dataset.msgFailed : box.dataset.msgSent);
  }

  document.addEventListener("submit", function (event) {
    submit(event).catch(function () { event.target.submit(); });
  });
  window.addEventListener("online", function () { flush().catch(function () { flushing = false; }); });
  if (statusBox()) {
    if (navigator.onLine) flush().catch(function () { flushing = false; });
    else showWaiting(statusBox()).catch(function () {});
  }
})();
