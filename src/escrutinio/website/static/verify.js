/* escrutinio: check a table page's acta against the signed, witnessed log, in the browser.
 * Plain JavaScript, no dependencies: WebCrypto SHA-256 (RFC 9162 Merkle tree) and Ed25519
 * (C2SP signed-note checkpoint, tlog-cosignature/v1), tiles per C2SP tlog-tiles.
 * Drives <section class="verify"> (button .verify-run, output .verify-result) and
 * <form class="compare"> (output .compare-result). Pure functions: window.EscrutinioVerify. */
(function () {
  "use strict";
  const te = new TextEncoder();
  const W = 256; // tile width
  const HL = 32; // hash length

  class Failure extends Error {
    constructor(code, args) {
      super(code);
      this.code = code;
      this.args = args || {};
    }
  }
  const fail = (code, args) => {
    throw new Failure(code, args);
  };

  const cat = (...parts) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  };
  const equal = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);
  const hex = (b) => Array.from(b, (v) => v.toString(16).padStart(2, "0")).join("");
  const b64 = (b) => btoa(String.fromCharCode(...b));
  function unb64(text) {
    let bin;
    try {
      bin = atob(text);
    } catch (e) {
      return null;
    }
    const out = Uint8Array.from(bin, (c) => c.charCodeAt(0));
    return b64(out) === text ? out : null; // canonical base64 only
  }

  // RFC 9162 §2.1: leaf and node hashes, the Merkle tree hash of a list of hashes.
  const sha256 = async (data) => new Uint8Array(await crypto.subtle.digest("SHA-256", data));
  const leafHash = (entry) => sha256(cat([0], entry));
  const nodeHash = (l, r) => sha256(cat([1], l, r));
  const split = (n) => {
    let k = 1;
    while (k * 2 < n) k *= 2;
    return k;
  };
  async function treeHash(hashes) {
    if (hashes.length === 1) return hashes[0];
    const k = split(hashes.length);
    return nodeHash(await treeHash(hashes.slice(0, k)), await treeHash(hashes.slice(k)));
  }

  // C2SP tlog-tiles paths: 1234067 -> x001/x234/067; partial tiles end in .p/<width>.
  function encodeIndex(n) {
    const groups = [String(n % 1000).padStart(3, "0")];
    for (n = Math.floor(n / 1000); n > 0; n = Math.floor(n / 1000)) {
      groups.unshift("x" + String(n % 1000).padStart(3, "0"));
    }
    return groups.join("/");
  }
  const tilePath = (level, index, width) =>
    `tile/${level}/${encodeIndex(index)}` + (width < W ? `.p/${width}` : "");
  // Width of tile `index` at `level` ("entries" counts as level 0) in a tree of `size`.
  const tileWidth = (level, index, size) =>
    Math.min(W, Math.floor(size / W ** (level === "entries" ? 0 : level)) - index * W);

  function decodeBundle(data, width) {
    const out = [];
    for (let at = 0; at < data.length; ) {
      if (at + 2 > data.length) return null;
      const n = (data[at] << 8) | data[at + 1];
      if (at + 2 + n > data.length) return null;
      out.push(data.subarray(at + 2, at + 2 + n));
      at += 2 + n;
    }
    return out.length === width ? out : null;
  }

  // Complete-subtree hashes of a tree of `size` leaves, read from hash tiles via `fetchTile`.
  function tiledTree(size, fetchTile) {
    const cache = new Map();
    async function tile(level, index) {
      const width = tileWidth(level, index, size);
      const path = tilePath(level, index, width);
      if (!cache.has(path)) {
        const data = await fetchTile(path);
        if (data.length !== width * HL) fail("tilesize", { file: path });
        cache.set(path, data);
      }
      return cache.get(path);
    }
    async function stored(height, index) {
      const level = Math.floor(height / 8);
      const count = 2 ** (height % 8);
      const first = index * count;
      const data = await tile(level, Math.floor(first / W));
      const off = first % W;
      const row = [];
      for (let i = off; i < off + count; i++) row.push(data.subarray(i * HL, (i + 1) * HL));
      return treeHash(row);
    }
    async function subtree(start, end) {
      const parts = [];
      for (let pos = start; pos < end; ) {
        let h = 0;
        while (2 ** (h + 1) <= end - pos) h++;
        parts.push(await stored(h, pos / 2 ** h));
        pos += 2 ** h;
      }
      let acc = parts.pop();
      while (parts.length) acc = await nodeHash(parts.pop(), acc);
      return acc;
    }
    return { stored, subtree, paths: () => [...cache.keys()] };
  }

  // RFC 9162 §2.1.3.1 PATH(index, D[0:size]) from tiles.
  async function inclusionProof(index, size, tree) {
    const path = [];
    for (let lo = 0, hi = size; hi - lo > 1; ) {
      const k = split(hi - lo);
      if (index < lo + k) {
        path.push(await tree.subtree(lo + k, hi));
        hi = lo + k;
      } else {
        path.push(await tree.subtree(lo, lo + k));
        lo += k;
      }
    }
    return path.reverse();
  }

  // RFC 9162 §2.1.3.2: the root an inclusion proof leads to (null if the proof is malformed).
  async function rootFromInclusion(index, size, leaf, proof) {
    if (!(index >= 0 && index < size)) return null;
    let fn = index;
    let sn = size - 1;
    let r = leaf;
    for (const p of proof) {
      if (sn === 0) return null;
      if (fn % 2 === 1 || fn === sn) {
        r = await nodeHash(p, r);
        while (fn % 2 === 0 && fn !== 0) {
          fn /= 2;
          sn = Math.floor(sn / 2);
        }
      } else {
        r = await nodeHash(r, p);
      }
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
    return sn === 0 ? r : null;
  }

  // C2SP signed-note: key IDs, verifier keys, notes; tlog-checkpoint bodies.
  const keyId = async (name, type, pub) =>
    (await sha256(cat(te.encode(name + "\n"), [type], pub))).subarray(0, 4);

  async function parseVerifierKey(text, type) {
    const parts = /^([^+]+)\+([0-9a-f]{8})\+(\S+)$/.exec(text.trim())?.slice(1);
    if (!parts) return null;
    const material = unb64(parts[2]);
    if (!material || material.length !== 33 || material[0] !== type) return null;
    const pub = material.subarray(1);
    const id = await keyId(parts[0], type, pub);
    return hex(id) === parts[1] ? { name: parts[0], id: parts[1], type, pub } : null;
  }

  function parseNote(note) {
    const cut = note.lastIndexOf("\n\n");
    if (cut < 0 || !note.endsWith("\n")) return null;
    const signatures = [];
    for (const line of note.slice(cut + 2, -1).split("\n")) {
      const m = /^\u2014 (\S+) (\S+)$/.exec(line);
      const blob = m && unb64(m[2]);
      if (!blob || blob.length < 5) return null;
      signatures.push({ name: m[1], id: hex(blob.subarray(0, 4)), sig: blob.subarray(4) });
    }
    return { text: note.slice(0, cut + 1), signatures };
  }

  function parseCheckpoint(text) {
    const lines = text.slice(0, -1).split("\n");
    const root = lines.length >= 3 && unb64(lines[2]);
    if (!root || root.length !== HL || !/^(0|[1-9][0-9]*)$/.test(lines[1])) return null;
    return { origin: lines[0], size: Number(lines[1]), root };
  }

  async function ed25519(pub, sig, message) {
    if (sig.length !== 64) return false;
    try {
      const alg = { name: "Ed25519" };
      const key = await crypto.subtle.importKey("raw", pub, alg, false, ["verify"]);
      return await crypto.subtle.verify(alg, key, sig, message);
    } catch (e) {
      if (e.name === "NotSupportedError") fail("unsupported"); // no Ed25519 in this browser
      return false; // a key that is not a curve point verifies nothing
    }
  }
  const verifyNoteSignature = (key, text, sig) => ed25519(key.pub, sig, te.encode(text));
  async function verifyCosignature(key, text, sig) {
    if (sig.length !== 72) return false;
    const time = new DataView(sig.buffer, sig.byteOffset, 8).getBigUint64(0);
    const message = te.encode(`cosignature/v1\ntime ${time}\n${text}`);
    return ed25519(key.pub, sig.subarray(8), message);
  }

  // Differences between the acta shown on the page and the acta in the log entry.
  function actaDifferences(shown, logged) {
    const diffs = [];
    const fmt = (v) => (v === undefined ? "—" : JSON.stringify(v));
    for (const f of ["unit", "contest", "source", "voters", "null", "blank"]) {
      if (shown[f] !== logged[f]) diffs.push({ field: f, page: fmt(shown[f]), log: fmt(logged[f]) });
    }
    const sv = shown.votes || {};
    const lv = logged.votes || {};
    for (const k of new Set([...Object.keys(sv), ...Object.keys(lv)])) {
      if (sv[k] !== lv[k]) diffs.push({ field: k, page: fmt(sv[k]), log: fmt(lv[k]) });
    }
    return diffs;
  }

  // The whole check. `get(path)` returns bytes relative to the publication root.
  async function verifyActa({ index, acta, get }) {
    if (!(window.isSecureContext && crypto.subtle)) fail("unsupported");
    const text = async (path) => new TextDecoder().decode(await get(path));
    const logKey = await parseVerifierKey(await text("keys/log.vkey"), 1);
    if (!logKey) fail("format", { file: "keys/log.vkey" });
    const note = parseNote(await text("checkpoint"));
    const cp = note && parseCheckpoint(note.text);
    if (!cp) fail("format", { file: "checkpoint" });

    const problems = [];
    const problem = (code, args) => problems.push(new Failure(code, args));
    const sigBy = (k) => note.signatures.find((s) => s.name === k.name && s.id === k.id);
    const logSig = sigBy(logKey);
    if (!logSig) problem("unsigned", { name: logKey.name });
    else if (!(await verifyNoteSignature(logKey, note.text, logSig.sig)))
      problem("signature", { name: logKey.name });
    // Witness keys are published at keys/witnesses/<name>.vkey for the names that cosigned
    // (the checkpoint's other signature lines), so manifest.json, which grows with the site,
    // is not needed. A line whose name has no published key is ignored (C2SP signed-note).
    const cosigned = [];
    for (const name of new Set(note.signatures.map((s) => s.name))) {
      if (name === logKey.name) continue;
      const file = `keys/witnesses/${name.split("/").map(encodeURIComponent).join("/")}.vkey`;
      let raw;
      try {
        raw = await text(file);
      } catch (e) {
        if (e instanceof Failure && e.args.status === 404) continue;
        throw e;
      }
      const key = await parseVerifierKey(raw, 4);
      if (!key || key.name !== name) fail("format", { file });
      const s = sigBy(key);
      if (!s) continue; // signed by another key of that name: not one the site publishes
      if (await verifyCosignature(key, note.text, s.sig)) cosigned.push(name);
      else problem("witness", { name });
    }

    if (!(Number.isInteger(index) && index >= 0 && index < cp.size))
      fail("index", { index, size: cp.size });
    const t = Math.floor(index / W);
    const bundlePath = tilePath("entries", t, tileWidth("entries", t, cp.size));
    const bundle = decodeBundle(await get(bundlePath), tileWidth("entries", t, cp.size));
    if (!bundle) fail("format", { file: bundlePath });
    const entry = bundle[index % W];
    let logged;
    try {
      logged = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(entry));
    } catch (e) {
      logged = null;
    }
    if (!logged || logged.kind !== "acta" || typeof logged.acta !== "object" || !logged.acta) {
      problem("notacta", { index, file: bundlePath });
    } else {
      for (const d of actaDifferences(acta, logged.acta)) problem("acta", d);
    }

    const tree = tiledTree(cp.size, get);
    const leaf = await leafHash(entry);
    const proof = await inclusionProof(index, cp.size, tree);
    const root = await rootFromInclusion(index, cp.size, leaf, proof);
    if (!root || !equal(root, cp.root)) {
      // Which side is wrong: the entry (its hash is not the tree's) or the hash tiles.
      const tiles = tree.paths().join(", ");
      const stored = await tree.stored(0, index);
      const treeRoot = await rootFromInclusion(index, cp.size, stored, proof);
      if (!equal(stored, leaf) && treeRoot && equal(treeRoot, cp.root))
        problem("entry", { index, file: bundlePath });
      else problem("root", { files: tiles });
    }
    return { problems, checkpoint: cp, signer: `${logKey.name} (${logKey.id})`, cosigned };
  }

  // ---- page glue -------------------------------------------------------------------
  const EN = {
    verified: "VERIFIED",
    failed: "NOT VERIFIED",
    checking: "Checking…",
    size: "tree size",
    root: "root",
    signer: "signed by",
    witnesses: "cosigned by",
    none: "none",
    match: "MATCHES the recorded acta",
    differs: "DIFFERS in",
    missing: "Nothing to compare: type the numbers or choose a JSON copy",
    failUnsupported: "this browser cannot check Ed25519 signatures (WebCrypto) here",
    failFetch: "could not download {file} ({status})",
    failFormat: "{file} is malformed",
    failTilesize: "{file} has the wrong length",
    failUnsigned: "the checkpoint carries no signature by the log key {name}",
    failSignature: "the log's signature ({name}) on the checkpoint does not verify",
    failWitness: "the cosignature of witness {name} does not verify",
    failIndex: "log entry {index} is not in the signed tree of {size} entries",
    failNotacta: "log entry {index} in {file} is not an acta",
    failActa: "{field} on this page is {page}, the log entry says {log}",
    failEntry: "log entry {index} in {file} does not hash to the leaf the signed tree holds",
    failRoot: "the hash tiles ({files}) do not lead to the checkpoint's root",
  };
  const label = (el, key) => el.dataset["i18n" + key[0].toUpperCase() + key.slice(1)] || EN[key];
  const fill = (tpl, args) => tpl.replace(/\{(\w+)\}/g, (m, k) => (k in args ? args[k] : m));
  // A field's name as the page shows it: its compare-form input's <label>, or the last
  // element of its aria-labelledby (e.g. the row header), or its aria-label; else its id.
  function fieldName(field) {
    const input = document.querySelector(`form.compare input[name="${CSS.escape(field)}"]`);
    if (!input) return field;
    const ids = (input.getAttribute("aria-labelledby") || "").trim().split(/\s+/);
    const by = ids[0] && document.getElementById(ids[ids.length - 1]);
    const l = (input.labels && input.labels[0]) || by;
    return (l ? l.textContent : input.getAttribute("aria-label") || "").trim() || field;
  }
  const failureText = (el, f) => {
    const args = "field" in f.args ? { ...f.args, field: fieldName(f.args.field) } : f.args;
    return fill(label(el, "fail" + f.code[0].toUpperCase() + f.code.slice(1)), args);
  };

  function show(out, status, lines) {
    const strong = document.createElement("strong");
    strong.textContent = status;
    const list = document.createElement("ul");
    list.style.overflowWrap = "anywhere"; // roots and key IDs fit a 360 px screen
    for (const line of lines) list.appendChild(document.createElement("li")).textContent = line;
    out.replaceChildren(strong, list);
  }

  async function runVerify(section) {
    const out = section.querySelector(".verify-result");
    const base = new URL(section.dataset.root || "./", document.baseURI);
    out.textContent = label(section, "checking");
    const get = async (path) => {
      const url = new URL(path, base);
      let res;
      try {
        res = await fetch(url, { cache: "no-cache" });
      } catch (e) {
        fail("fetch", { file: path, status: e.message });
      }
      if (!res.ok) fail("fetch", { file: path, status: res.status });
      return new Uint8Array(await res.arrayBuffer());
    };
    try {
      const acta = JSON.parse(section.dataset.acta);
      const index = Number(section.dataset.logIndex);
      const r = await verifyActa({ index, acta, get });
      if (r.problems.length) {
        out.dataset.state = "failed";
        show(out, label(section, "failed"), r.problems.map((f) => failureText(section, f)));
      } else {
        out.dataset.state = "verified";
        show(out, label(section, "verified"), [
          `${label(section, "size")}: ${r.checkpoint.size}`,
          `${label(section, "root")}: ${b64(r.checkpoint.root)}`,
          `${label(section, "signer")}: ${r.signer}`,
          `${label(section, "witnesses")}: ${r.cosigned.join(", ") || label(section, "none")}`,
        ]);
      }
    } catch (e) {
      out.dataset.state = "failed";
      const f = e instanceof Failure ? e : new Failure("format", { file: String(e) });
      show(out, label(section, "failed"), [failureText(section, f)]);
    }
  }

  // "Compare with your copy": typed numbers or a JSON copy (an acta, a log entry, or votes).
  function copyFields(copy) {
    const acta = copy && typeof copy.acta === "object" ? copy.acta : copy;
    const fields = {};
    if (!acta || typeof acta !== "object") return fields;
    for (const [k, v] of Object.entries(acta)) {
      if (k === "votes" && v && typeof v === "object") Object.assign(fields, v);
      else if (["unit", "contest", "voters", "null", "blank"].includes(k)) fields[k] = v;
    }
    if (!acta.votes) {
      for (const [k, v] of Object.entries(acta)) if (typeof v === "number") fields[k] = v;
    }
    return fields;
  }

  function compareFields(recorded, given) {
    const flat = { unit: recorded.unit, contest: recorded.contest, voters: recorded.voters };
    Object.assign(flat, { null: recorded.null, blank: recorded.blank }, recorded.votes || {});
    return Object.keys(given).map((field) => ({
      field,
      given: given[field],
      recorded: flat[field],
      match: field in flat && given[field] === flat[field],
    }));
  }

  async function runCompare(form, section, file) {
    const out = form.querySelector(".compare-result");
    const acta = JSON.parse(section.dataset.acta);
    let given = {};
    file = file || (form.elements.copy && form.elements.copy.files[0]);
    if (file) {
      try {
        given = copyFields(JSON.parse(await file.text()));
        if (form.elements.copy) form.elements.copy.value = ""; // typed numbers count next time
      } catch (e) {
        out.dataset.state = "error";
        show(out, label(section, "failed"), [fill(label(section, "failFormat"), { file: file.name })]);
        return;
      }
    } else {
      for (const input of form.querySelectorAll("input[type=number]")) {
        if (input.value !== "") given[input.name] = Number(input.value);
      }
    }
    const rows = compareFields(acta, given);
    const name = (f) => fieldName(f);
    const shown = (v) => (v === undefined || v === null ? "—" : String(v));
    const lines = rows.map(
      (r) => `${name(r.field)}: ${shown(r.given)} ${r.match ? "=" : "≠"} ${shown(r.recorded)}`,
    );
    const bad = rows.filter((r) => !r.match).map((r) => name(r.field));
    const state = rows.length === 0 ? "empty" : bad.length ? "differs" : "match";
    out.dataset.state = state;
    const heading = { empty: label(section, "missing"), match: label(section, "match") };
    show(out, heading[state] || `${label(section, "differs")} ${bad.join(", ")}`, lines);
  }

  // Delegated listeners: still work after live.js swaps <main> for a newer bulletin's.
  const sectionOf = (el) =>
    el.closest("section.verify") || document.querySelector("section.verify");
  function init() {
    document.addEventListener("click", (ev) => {
      const button = ev.target.closest && ev.target.closest(".verify-run");
      if (button && sectionOf(button)) runVerify(sectionOf(button));
    });
    document.addEventListener("submit", (ev) => {
      const form = ev.target.closest && ev.target.closest("form.compare");
      if (!form || !sectionOf(form)) return;
      ev.preventDefault();
      runCompare(form, sectionOf(form));
    });
    document.addEventListener("dragover", (ev) => {
      if (ev.target.closest && ev.target.closest("form.compare")) ev.preventDefault();
    });
    document.addEventListener("drop", (ev) => {
      const form = ev.target.closest && ev.target.closest("form.compare");
      const file = form && ev.dataTransfer && ev.dataTransfer.files[0];
      if (!file || !sectionOf(form)) return;
      ev.preventDefault();
      runCompare(form, sectionOf(form), file);
    });
  }

  window.EscrutinioVerify = {
    leafHash, nodeHash, treeHash, encodeIndex, tilePath, tileWidth, decodeBundle, tiledTree,
    inclusionProof, rootFromInclusion, keyId, parseVerifierKey, parseNote, parseCheckpoint,
    verifyNoteSignature, verifyCosignature, actaDifferences, copyFields, compareFields,
    verifyActa, hex, b64, unb64,
  };
  init();
})();
