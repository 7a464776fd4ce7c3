/* Kabinet: the offline reading queue on the readings form (progressive enhancement).
 *
 * Without this script the form is a plain POST and works as it is. With it:
 *  - a submit is sent with fetch(); when there is no network the entered values are kept
 *    in localStorage together with the login, the account and a fresh idempotency key,
 *    and the page says so (texts come translated from the form's data-msg-* attributes);
 *  - when the connection returns ("online" event) or the form is opened again, every
 *    queued submission of this login is POSTed to the same form URL with its key. The
 *    server stores a key once, so a retry after a lost answer never makes a duplicate;
 *  - the receipt is shown on the page; a rejected reading brings back the server's form
 *    with the reason, exactly as without JavaScript;
 *  - the form may be a copy the service worker saved for use offline (static/js/sw.js):
 *    it then gets a fresh key each time it is opened.
 * Queued values never leave this browser except to the login that entered them.
 */
(function () {
  "use strict";

  var STORE = "kabinet:reading-queue";
  var MAX_AGE_MS = 60 * 24 * 3600 * 1000; // older entries are dropped rather than sent
  var flushing = false;

  if (!window.fetch || !window.FormData || !window.DOMParser || !storageWorks()) return;

  function storageWorks() {
    try {
      localStorage.setItem(STORE + ":probe", "1");
      localStorage.removeItem(STORE + ":probe");
      return true;
    } catch (e) {
      return false; // private mode or storage disabled: the plain form still works
    }
  }

  function theForm() {
    return document.querySelector("form[data-offline-queue]");
  }

  // --- the queue in localStorage -------------------------------------------------------
  function load() {
    try {
      var items = JSON.parse(localStorage.getItem(STORE) || "[]");
      var now = Date.now();
      return items.filter(function (e) { return now - e.saved < MAX_AGE_MS; });
    } catch (e) {
      return [];
    }
  }
  function save(items) {
    localStorage.setItem(STORE, JSON.stringify(items));
  }
  function remove(key) {
    save(load().filter(function (e) { return e.key !== key; }));
  }
  function mine(form) {
    return load().filter(function (e) { return e.user === form.dataset.user; });
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }

  // The form's fields without the CSRF token (a fresh one is taken when sending).
  function fields(form) {
    var out = [];
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrfmiddlewaretoken") out.push([name, String(value)]);
    });
    return out;
  }

  // What the customer entered, for the message: "Cold water № CW-1001: 123,4".
  function summary(form) {
    var lines = [];
    form.querySelectorAll("fieldset.meter-row").forEach(function (row) {
      var input = row.querySelector("input[name^='value_']");
      if (input && input.value.trim()) {
        lines.push(row.querySelector("legend").textContent.trim() + ": " + input.value.trim());
      }
    });
    return lines;
  }

  // Queue the form under its current key: if a send failed on the way, the server may
  // have stored it already, and the same key makes the retry a replay, not a second
  // reading. The form then gets a fresh key for whatever is entered next.
  function enqueue(form) {
    var data = fields(form);
    var keyInput = form.querySelector("input[name=client_key]");
    var items = load();
    items.push({
      key: keyInput.value,
      user: form.dataset.user,
      account: form.dataset.account,
      fields: data,
      lines: summary(form),
      saved: Date.now()
    });
    keyInput.value = newKey();
    save(items);
    // Empty the fields: the values live in the queue now, and a second submit of the same
    // values would be a second reading.
    form.querySelectorAll("input[name^='value_']").forEach(function (i) { i.value = ""; });
    form.querySelectorAll("input[name^='confirm_']").forEach(function (i) { i.checked = false; });
    showWaiting(form, form.dataset.msgSaved);
  }

  // --- the status box ----------------------------------------------------------------
  function statusBox() {
    return document.getElementById("offline-status");
  }
  function say(text, lines, nodes) {
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
    (nodes || []).forEach(function (n) { box.appendChild(n); });
    box.hidden = false;
  }
  function showWaiting(form, text) {
    var lines = [];
    mine(form).forEach(function (e) { lines = lines.concat(e.lines); });
    if (lines.length) say(text || form.dataset.msgWaiting, lines);
  }

  // --- sending ---------------------------------------------------------------------------
  function post(form, data) {
    var body = new FormData();
    var token = form.querySelector("input[name=csrfmiddlewaretoken]");
    body.append("csrfmiddlewaretoken", token ? token.value : "");
    data.forEach(function (pair) { body.append(pair[0], pair[1]); });
    return fetch(form.action, { method: "POST", body: body, credentials: "same-origin" });
  }

  function parse(html) {
    return new DOMParser().parseFromString(html, "text/html");
  }

  // A 400 answer is the form again, with the reasons and the values: show it as it is.
  function showServerForm(doc) {
    var fresh = doc.querySelector("main");
    var main = document.querySelector("main");
    if (!fresh || !main) return;
    main.replaceWith(document.adoptNode(fresh));
    var alert = document.querySelector("main [role=alert]") || document.querySelector("main h1");
    if (alert) {
      alert.setAttribute("tabindex", "-1");
      alert.focus();
    }
  }

  function isReceipt(form, response) {
    return response.ok && new URL(response.url).pathname === form.dataset.receiptPath;
  }

  async function submit(event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-offline-queue]")) return;
    // "Attach the photo" sends the form to the photo's address as a plain upload.
    if (event.submitter && event.submitter.hasAttribute("formaction")) return;
    event.preventDefault();
    if (!navigator.onLine) {
      enqueue(form);
      return;
    }
    var button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true; // no double submits while waiting
    var response;
    try {
      response = await post(form, fields(form));
    } catch (e) {
      if (button) button.disabled = false;
      enqueue(form); // the network failed on the way: keep the values on the device
      return;
    }
    if (isReceipt(form, response)) {
      location.assign(response.url);
    } else if (response.status === 400) {
      showServerForm(parse(await response.text()));
    } else {
      // Logged out, a server error: let the browser do a plain submit and show the page.
      form.submit();
    }
  }

  async function flush() {
    var form = theForm();
    if (!form || flushing || !navigator.onLine) return;
    var queued = mine(form);
    if (!queued.length) return;
    flushing = true;
    say(form.dataset.msgSending);
    var receipts = [];
    var rejected = null;
    var kept = false;
    for (var i = 0; i < queued.length; i++) {
      var entry = queued[i];
      var response;
      try {
        response = await post(form, entry.fields);
      } catch (e) {
        kept = true; // offline again: the rest waits for the next "online"
        break;
      }
      if (isReceipt(form, response)) {
        parse(await response.text()).querySelectorAll(".receipt-block").forEach(function (n) {
          receipts.push(document.adoptNode(n));
        });
        remove(entry.key);
      } else if (response.status === 400) {
        rejected = parse(await response.text()); // stored with its reason; the key replays it
        remove(entry.key);
      } else if (response.status === 404) {
        remove(entry.key); // the account is no longer this login's: nothing can be sent
        kept = true;
      } else {
        kept = true; // a server error or an expired session: try again later
      }
    }
    flushing = false;
    if (rejected) showServerForm(rejected);
    if (kept) {
      say(form.dataset.msgFailed, [], receipts);
    } else if (rejected) {
      say(form.dataset.msgRejected, [], receipts);
    } else {
      say(form.dataset.msgSent, [], receipts);
    }
  }

  document.addEventListener("submit", submit);
  window.addEventListener("online", flush);
  window.addEventListener("offline", function () {
    var form = theForm();
    if (form) showWaiting(form);
  });
  var form = theForm();
  if (form) {
    // A copy saved by the service worker (shown offline, kabinet/portal/pwa.py) carries
    // the key it was rendered with: each opening gets its own, or a second reading entered
    // on another day would be taken for a retry of the first.
    var key = form.querySelector("input[name=client_key]");
    if (key && document.querySelector("[data-kabinet-saved]")) key.value = newKey();
    if (navigator.onLine) flush();
    else showWaiting(form);
  }
})();
