/* escrutinio live refresh: keeps an open page current without reloading it.
 *
 * The page's <body> carries data-root (relative path from the page to the publication
 * folder), data-bulletin (the bulletin the page shows) and optionally data-size (the log
 * tree size it was built from). Served by `escrutinio serve`, the script listens to the
 * server-sent events of api/v1/events; on any other host (static files, a CDN, a mirror)
 * that address fails and it polls latest.json every 3 s instead. When a newer bulletin or
 * checkpoint appears it fetches the page again (retrying for a few seconds while the page
 * still shows an older bulletin) and swaps its <main>, then dispatches an
 * "escrutinio:updated" event on document (other scripts re-attach their handlers there).
 * No framework, no request outside the site, nothing at all without JavaScript.
 */
(function () {
  "use strict";
  var body = document.body;
  if (!body || typeof window.fetch !== "function" || typeof URL !== "function") {
    return;
  }
  var POLL_MS = 3000;
  var base = new URL(body.getAttribute("data-root") || "./", window.location.href);
  var seen = {
    bulletin: body.getAttribute("data-bulletin"),
    size: body.getAttribute("data-size"),
    root: null
  };
  var busy = false;
  var again = null;
  var timer = null;

  function field(info, names) {
    for (var i = 0; i < names.length; i++) {
      var v = info[names[i]];
      if (v !== undefined && v !== null) {
        return String(v);
      }
    }
    return null;
  }

  function normalise(info) {
    return {
      bulletin: field(info, ["bulletin", "bulletin_number", "number"]),
      size: field(info, ["tree_size", "size"]),
      root: field(info, ["root_hash", "root"])
    };
  }

  function isNewer(now) {
    if (now.bulletin !== null && seen.bulletin !== null && now.bulletin !== seen.bulletin) {
      return true;
    }
    if (now.size !== null && seen.size !== null && now.size !== seen.size) {
      return true;
    }
    return now.root !== null && seen.root !== null && now.root !== seen.root;
  }

  function remember(now) {
    if (now.bulletin !== null) { seen.bulletin = now.bulletin; }
    if (now.size !== null) { seen.size = now.size; }
    if (now.root !== null) { seen.root = now.root; }
  }

  function pageBulletin(doc) {
    return doc.body ? doc.body.getAttribute("data-bulletin") : null;
  }

  function swap(doc) {
    var fresh = doc.querySelector("main");
    var old = document.querySelector("main");
    if (!fresh || !old) {
      return false;
    }
    old.replaceWith(document.importNode(fresh, true));
    var attrs = ["data-bulletin", "data-size"];
    for (var i = 0; i < attrs.length; i++) {
      var v = doc.body && doc.body.getAttribute(attrs[i]);
      if (v !== null && v !== undefined) {
        body.setAttribute(attrs[i], v);
      }
    }
    if (doc.title) {
      document.title = doc.title;
    }
    var status = document.querySelector("[data-live-status]");
    if (status) {
      status.textContent = status.getAttribute("data-i18n-updated") || "";
    }
    return true;
  }

  function refresh(now, attempt) {
    if (busy) {
      again = now;
      return;
    }
    busy = true;
    var tries = attempt || 0;
    // "reload": a server that sends only Last-Modified (1 s resolution) could otherwise
    // answer 304 for a page rewritten within the second it was first fetched
    window.fetch(window.location.href, { cache: "reload", credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var shows = pageBulletin(doc);
        if (now.bulletin !== null && shows !== null && shows !== now.bulletin && tries < 5) {
          // the page is not rewritten yet (a mirror or CDN lagging): ask again shortly
          window.setTimeout(function () { refresh(now, tries + 1); }, 1000);
          return;
        }
        if (swap(doc)) {
          remember(now);
          document.dispatchEvent(new CustomEvent("escrutinio:updated", { detail: now }));
        }
      })
      .catch(function () { /* keep the page as it is; the next announcement retries */ })
      .then(function () {
        busy = false;
        if (again !== null) {
          var next = again;
          again = null;
          if (isNewer(next)) {
            refresh(next);
          }
        }
      });
  }

  function consider(info) {
    var now = normalise(info);
    if (isNewer(now)) {
      refresh(now);
      return;
    }
    if (seen.root === null && now.root !== null) {
      seen.root = now.root;
    }
    if (seen.size === null && now.size !== null) {
      seen.size = now.size;
    }
  }

  function poll() {
    window.fetch(new URL("latest.json", base).href, { cache: "reload" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (info) { if (info) { consider(info); } })
      .catch(function () { /* offline or not published yet: try again later */ })
      .then(function () { timer = window.setTimeout(poll, POLL_MS); });
  }

  function startPolling() {
    if (timer === null) {
      poll();
    }
  }

  if (typeof window.EventSource !== "function") {
    startPolling();
    return;
  }
  var opened = false;
  var source = new window.EventSource(new URL("api/v1/events", base).href);
  source.addEventListener("open", function () { opened = true; });
  source.addEventListener("publication", function (event) {
    try {
      consider(JSON.parse(event.data));
    } catch (e) { /* a malformed event is ignored */ }
  });
  source.addEventListener("error", function () {
    if (!opened || source.readyState === window.EventSource.CLOSED) {
      source.close();
      startPolling();
    }
  });
}());
