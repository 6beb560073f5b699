// escrutinio: the polling-table page above the scale threshold. Reads
// table/index.html#<shard>/<unit>/<contest> (or #<shard>/<k>/<unit>/<contest> for the k-th
// part of a shard), fetches data/<shard>.json (or data/<shard>/<k>.json, relative to this
// page) and renders the acta, its versions and the verify section of the site contract.
// Every value goes in through textContent; nothing from the data becomes markup.
(function () {
  "use strict";
  var view = document.getElementById("table-view");
  if (!view) return;
  var T = JSON.parse(view.getAttribute("data-i18n") || "{}");
  var root = document.body.getAttribute("data-root") || "";

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function row(cells, header) {
    var tr = el("tr");
    cells.forEach(function (c, i) {
      tr.appendChild(el(i === 0 && header ? "th" : "td", i === 0 && header ? { scope: "row" } : {}, c));
    });
    return tr;
  }
  function table(heads, rows) {
    var t = el("table"), head = el("thead"), hr = el("tr"), body = el("tbody");
    heads.forEach(function (h) { hr.appendChild(el("th", { scope: "col" }, h)); });
    head.appendChild(hr); t.appendChild(head);
    rows.forEach(function (r) { body.appendChild(row(r, true)); });
    t.appendChild(body);
    var wrap = el("div", { "class": "scroll", tabindex: "0" }); wrap.appendChild(t);
    return wrap;
  }
  function show() {
    var parts = location.hash.replace(/^#/, "").split("/").map(decodeURIComponent);
    var part = "";
    if (parts.length === 4 && /^[1-9][0-9]*$/.test(parts[1])) {
      part = "/" + parts[1];  // a shard cut in parts: data/<shard>/<k>.json
      parts.splice(1, 1);
    }
    if (parts.length !== 3) return;
    var shard = parts[0], unit = parts[1], contest = parts[2];
    var name = shard.replace(/[^A-Za-z0-9._+-]/g, function (ch) {
      return Array.from(new TextEncoder().encode(ch)).map(function (b) {
        return "~" + b.toString(16).toUpperCase().padStart(2, "0");
      }).join("");
    });
    fetch("data/" + name + part + ".json").then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.json();
    }).then(function (doc) {
      var entry = doc.tables[unit] && doc.tables[unit].contests[contest];
      var info = doc.contests[contest];
      view.textContent = "";
      if (!entry || !info) { view.appendChild(el("p", {}, T.not_counted)); return; }
      view.appendChild(el("h2", {}, T.table + " " + unit + " · " + info.name));
      var official = entry.versions.filter(function (v) {
        return v.counting && v.source === doc.official_source;
      })[0];
      var fields = info.options.concat([["null", T["null"]], ["blank", T.blank], ["voters", T.voters]]);
      if (official) {
        var value = function (id) {
          var v = id in official.votes ? official.votes[id] : official[id];
          return v === null || v === undefined ? "—" : v.toLocaleString(document.documentElement.lang);
        };
        var sec = el("section", {
          "class": "verify", "data-root": root, "data-log-index": String(official.log_index),
          "data-acta": JSON.stringify({ unit: official.unit, contest: official.contest,
            source: official.source, votes: official.votes, "null": official["null"],
            blank: official.blank, voters: official.voters }),
          "data-i18n-verified": T.verified, "data-i18n-failed": T.failed,
          "data-i18n-checking": T.checking, "data-i18n-match": T.match,
          "data-i18n-differs": T.differs
        });
        sec.appendChild(el("h3", {}, T.acta + " · " + T.official));
        sec.appendChild(table([T.field, T.votes], fields.map(function (f) { return [f[1], value(f[0])]; })));
        sec.appendChild(el("p", {}, T.received + ": " + official.received_at + " · " + T.log_index + ": " + official.log_index));
        var run = el("button", { type: "button", "class": "verify-run" }, T.verify_run);
        sec.appendChild(run);
        sec.appendChild(el("output", { "class": "verify-result", "aria-live": "polite" }));
        view.appendChild(sec);
      } else {
        view.appendChild(el("p", { "class": "notice" }, T.not_counted));
      }
      view.appendChild(el("h3", {}, T.versions));
      view.appendChild(table([T.source, T.version, T.voters, T.received, T.log_index],
        entry.versions.map(function (v) {
          return [v.source, v.version + (v.counting ? " ✓" : ""), v.voters, v.received_at, v.log_index];
        })));
      view.appendChild(el("h3", {}, T.decision));
      if (!entry.decisions.length) view.appendChild(el("p", {}, T.no_decision));
      entry.decisions.forEach(function (d) {
        view.appendChild(el("p", {}, d.source + ": " + (d.version === null ? "—" : d.version) + " — " + d.reason + " (" + d.decided_by + ", " + d.decided_at + ")"));
      });
      document.dispatchEvent(new CustomEvent("escrutinio:content"));
    }).catch(function (err) {
      view.textContent = "";
      view.appendChild(el("p", { "class": "notice" }, T.not_counted + " (" + err.message + ")"));
    });
  }
  window.addEventListener("hashchange", show);
  show();
})();
