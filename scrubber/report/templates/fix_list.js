"use strict";
// The work queue as a compact list: one row per claim (or unbilled visit), opening to its card. Rows are
// unpacked from the page's gzip-compressed JSON and drawn into copies of the page's own <template> markup,
// text only (never parsed as HTML), one page at a time, so 50,000 findings open quickly. The filters, the
// sort, the page and the open claim live in the URL's hash (#claim-C123&payer_id=UHC), so a link opens a
// claim and a reload keeps the view. Without scripts the page shows its static cards instead.
document.documentElement.className = "js";

// The list's rows with their cards, from the page's gzip-compressed JSON in base64 (fix_list.py cards_data).
async function pageRows(element) {
  const packed = Uint8Array.from(atob(element.textContent), (ch) => ch.charCodeAt(0));
  return unpack(await new Response(new Blob([packed]).stream().pipeThrough(new DecompressionStream("gzip"))).json());
}
// The JSON is compact: tables column by column, a repeated text as an index into its distinct texts, and a nested
// list as its length in the parent row with its items, in order, in a table of their own (`nested`).
function unpack([data]) {
  const column = (c) => (Array.isArray(c) ? c : c.codes.map((i) => (i === null ? null : c.texts[i])));
  const tables = {};
  for (const [name, table] of Object.entries(data)) {
    if (name === "nested") continue;
    const columns = Object.entries(table).map(([key, c]) => [key, column(c)]);
    tables[name] = Array.from({ length: columns.length ? columns[0][1].length : 0 }, (_, i) => {
      const item = {};
      for (const [key, values] of columns) item[key] = values[i];
      return item;
    });
  }
  for (const [parent, key, child] of data.nested) {
    let at = 0;
    for (const item of tables[parent]) item[key] = tables[child].slice(at, (at += item[key]));
  }
  return tables.rows;
}

document.addEventListener("DOMContentLoaded", async () => {
  const PAGE = 100, ROW_KEYS = ["payer_id", "team", "rendering_npi"], FINDING_KEYS = ["category", "severity", "rule_id", "queue"];
  const DEFAULTS = { bucket: "on_time" }, CLOSED = ["fixed", "gone"], WORK = ["claim", "visit"];
  const $ = (id) => document.getElementById(id);
  const form = $("filters"), body = $("rows"), status = $("shown"), figures = $("figures"), prev = $("prev"), next = $("next");
  const rows = await pageRows($("cards-data"));
  $("static").remove(); // its cards are drawn again on demand; one id per claim in the page
  const byKey = new Map();
  rows.forEach((r, i) => {
    r.all = [...r.claim_findings, ...r.lines.flatMap((l) => l.findings), ...r.other_findings];
    r.order = i;
    r.key = (r.kind === "visit" ? "visit-" : "claim-") + r.id;
    r.more_label = r.more > 0 ? `(+${r.more} more)` : "";
    byKey.set(r.key, r);
  });
  let shown = [], matched = 0, page = 0, timer = 0, sort = "order", dir = 1, openKey = "";
  const number = (n) => n.toLocaleString("en-US");
  const money = (n) => "$" + n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });

  const empty = (v) => v == null || v === false || v === "" || (Array.isArray(v) && !v.length);
  function fill(template, row) {
    const node = $(template).content.firstElementChild.cloneNode(true);
    for (const el of node.querySelectorAll("[data-slot]")) el.textContent = row[el.dataset.slot] ?? "";
    for (const el of node.querySelectorAll("[data-if]")) el.hidden = empty(row[el.dataset.if]);
    for (const el of node.querySelectorAll("[data-list]")) el.append(...(row[el.dataset.list] || []).map(DRAW[el.dataset.list]));
    return node;
  }
  function drawFinding(f) {
    const li = fill("finding-template", f);
    li.className = "finding sev-" + f.severity;
    li.querySelector("a").href = "#rule-" + f.rule_id;
    li.hidden = !f.on;
    return li;
  }
  function drawLine(line) {
    const tr = fill("line-template", line);
    tr.classList.toggle("flagged", line.findings.some((f) => f.on));
    return tr;
  }
  const DRAW = { lines: drawLine, findings: drawFinding, claim_findings: drawFinding, other_findings: drawFinding };
  function drawCard(r) {
    const card = fill("card-template", r);
    card.className = "card u-" + r.urgency;
    card.id = r.key;
    return card;
  }
  function drawRow(r) {
    const tr = fill("row-template", r);
    tr.className = `row u-${r.urgency} k-${r.kind}`;
    tr.dataset.key = r.key;
    const button = tr.querySelector("button.open");
    if (!r.openable) button.replaceWith(r.id);
    return tr;
  }

  // The state: the form's controls, then sort, page and the open row.
  function want() {
    return Object.fromEntries(new FormData(form));
  }
  function setForm(state) {
    for (const el of form.elements) {
      if (!el.name) continue;
      const v = state[el.name] ?? DEFAULTS[el.name] ?? "";
      if (el.type === "radio") el.checked = el.value === v;
      else el.value = v;
    }
  }
  function writeHash() {
    const parts = openKey ? [encodeURIComponent(openKey)] : [];
    for (const [k, v] of Object.entries(want())) if (v !== (DEFAULTS[k] ?? "")) parts.push(`${k}=${encodeURIComponent(v)}`);
    if (sort !== "order") parts.push(`sort=${sort}`, `dir=${dir}`);
    if (page) parts.push(`page=${page + 1}`);
    history.replaceState(null, "", parts.length ? "#" + parts.join("&") : location.href.split("#")[0]);
  }
  function readHash() {
    const state = {};
    let open = "";
    for (const part of location.hash.slice(1).split("&")) {
      const at = part.indexOf("=");
      if (at > 0) state[part.slice(0, at)] = decodeURIComponent(part.slice(at + 1));
      else if (/^(claim|visit)-/.test(decodeURIComponent(part))) open = decodeURIComponent(part);
    }
    return { state, open };
  }

  function fits(r, w, query) {
    if (CLOSED.includes(w.since)) { if (r.kind !== w.since) return false; }
    else if (!WORK.includes(r.kind) || (w.bucket && r.bucket !== w.bucket) || (w.since && r.since !== w.since)) return false;
    return ROW_KEYS.every((k) => !w[k] || r[k] === w[k]) && (!query || r.search.includes(query));
  }
  function filter() {
    const w = want(), query = (w.q || "").trim().toLowerCase();
    const byFinding = FINDING_KEYS.some((k) => w[k]);
    shown = []; matched = 0;
    for (const r of rows) {
      const open = fits(r, w, query);
      let hits = 0;
      for (const f of r.all) {
        f.on = open && FINDING_KEYS.every((k) => !w[k] || f[k] === w[k]);
        hits += f.on;
      }
      if (open && (hits || (!r.all.length && !byFinding))) { shown.push(r); matched += hits; }
    }
    order();
  }
  function order() {
    const key = sort;
    shown.sort((a, b) => {
      const x = a[key], y = b[key];
      if (x === y) return a.order - b.order;
      if (x == null) return 1;
      if (y == null) return -1;
      return (x < y ? -1 : 1) * dir;
    });
    for (const th of document.querySelectorAll("#list > thead th")) {
      const mine = th.querySelector("button").dataset.sort === key;
      th.setAttribute("aria-sort", mine ? (dir > 0 ? "ascending" : "descending") : "none");
    }
  }
  function noun(list) {
    const kinds = new Set(list.map((r) => r.kind));
    return kinds.size === 1 && kinds.has("visit") ? "Visits" : kinds.size > 1 && kinds.has("visit") ? "Rows" : "Claims";
  }
  function describe() {
    const said = [];
    for (const el of form.elements) {
      if (!el.name || (el.type === "radio" && !el.checked)) continue;
      if (el.value === (DEFAULTS[el.name] ?? "") && el.name !== "bucket") continue;
      const label = el.closest("label");
      const text = el.tagName === "SELECT" ? el.selectedOptions[0]?.textContent : el.type === "radio" ? label.textContent.trim() : el.value;
      said.push(el.type === "radio" ? text : `${label.firstChild.textContent.trim()}: ${text}`);
    }
    return said.join(" · ");
  }
  function show(all) {
    const slice = all ? shown : shown.slice(page * PAGE, (page + 1) * PAGE);
    const drawn = [];
    for (const r of slice) {
      drawn.push(drawRow(r));
      if (r.key === openKey) drawn.push(detail(r));
    }
    body.replaceChildren(...drawn);
    const first = all ? 1 : page * PAGE + 1, claims = shown.filter((r) => r.kind !== "visit");
    const dollars = shown.reduce((sum, r) => sum + (r.total || 0), 0), visits = shown.length - claims.length;
    figures.textContent = `In view: ${number(claims.length)} claim${claims.length === 1 ? "" : "s"} · ${money(dollars)}`
      + (visits ? ` · ${number(visits)} unbilled visit${visits === 1 ? "" : "s"}` : "") + ` · ${number(matched)} findings`;
    status.textContent = shown.length
      ? `${noun(shown)} ${first}–${first + slice.length - 1} of ${shown.length} · ${matched} findings match`
      : "Nothing matches these filters.";
    $("print-title").textContent = `Fix list ${document.title.replace("Fix list ", "")}, printed view: ${describe() || "everything"} · ${figures.textContent.replace("In view: ", "")}`;
    prev.disabled = all || page === 0;
    next.disabled = all || (page + 1) * PAGE >= shown.length;
  }
  function detail(r) {
    const tr = document.createElement("tr"), td = document.createElement("td");
    tr.className = "detail";
    td.colSpan = 7;
    td.append(drawCard(r));
    tr.append(td);
    return tr;
  }
  function toggle(key, focus) {
    openKey = openKey === key ? "" : key;
    show(false);
    writeHash();
    const row = body.querySelector(`tr[data-key="${CSS.escape(key)}"]`);
    if (row) {
      row.querySelector("button.open")?.setAttribute("aria-expanded", String(openKey === key));
      if (focus) { row.querySelector("button.open")?.focus(); row.scrollIntoView({ block: "start" }); }
    }
  }
  function openFromLink(key) {
    const r = byKey.get(key);
    if (!r) { show(false); status.textContent = `${key.replace("-", " ")} is not in this list.`; return; }
    if (!shown.includes(r)) {  // a bare link: show the claim's own bucket, nothing else filtered
      setForm({ bucket: r.bucket });
      filter();
    }
    page = Math.max(0, Math.floor(shown.indexOf(r) / PAGE));
    openKey = "";
    toggle(key, true);
  }
  function restore() {
    const { state, open } = readHash();
    setForm(state);
    sort = state.sort || "order"; dir = Number(state.dir) || 1;
    filter();
    page = Math.min(Math.max(0, (Number(state.page) || 1) - 1), Math.max(0, Math.ceil(shown.length / PAGE) - 1));
    openKey = "";
    if (open) openFromLink(open);
    else show(false);
  }
  function turn(by) {
    page += by; show(false); writeHash();
    (body.querySelector("button.open") || status).focus();  // the new page, not the off-screen button
  }

  form.addEventListener("input", (event) => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (event.target.name === "bucket" && CLOSED.includes(form.elements.since?.value)) form.elements.since.value = "";
      page = 0; filter(); show(false); writeHash();
    }, 120);
  });
  form.addEventListener("submit", (event) => { event.preventDefault(); page = 0; filter(); show(false); writeHash(); });
  form.addEventListener("reset", (event) => { event.preventDefault(); setForm({}); page = 0; openKey = ""; filter(); show(false); writeHash(); });
  prev.addEventListener("click", () => turn(-1));
  next.addEventListener("click", () => turn(1));
  $("list").querySelector("thead").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-sort]");
    if (!button) return;
    const key = button.dataset.sort;
    dir = sort === key ? -dir : key === "total" ? -1 : 1;  // dollars: largest first
    sort = key; page = 0; order(); show(false); writeHash();
  });
  body.addEventListener("click", (event) => {
    if (event.target.closest("a, .detail")) return;
    const row = event.target.closest("tr.row");
    if (row && byKey.get(row.dataset.key)?.openable) toggle(row.dataset.key, event.target.closest("button") !== null);
  });
  // In-page links scroll without replacing the hash that holds the view; a chart's bar sets its filter.
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[href^='#']");
    if (!link || event.defaultPrevented) return;
    event.preventDefault();
    if (link.dataset.filter) {
      const state = { ...want(), [link.dataset.filter]: link.dataset.value };
      if (link.dataset.filter !== "bucket" && !CLOSED.includes(state.since)) state.bucket = "";
      setForm(state); page = 0; openKey = ""; filter(); show(false); writeHash();
      $("work").scrollIntoView(); status.focus();
      return;
    }
    const target = decodeURIComponent(link.getAttribute("href").slice(1));
    if (byKey.has(target)) { openFromLink(target); return; }
    const place = $(target);
    if (place) { place.scrollIntoView(); place.tabIndex = -1; place.focus({ preventScroll: true }); }
  });
  addEventListener("hashchange", restore);
  addEventListener("beforeprint", () => show(true));
  addEventListener("afterprint", () => show(false));
  restore();
});
