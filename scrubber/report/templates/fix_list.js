"use strict";
// Filters, search and paging for the work queue. Cards are unpacked from the page's
// gzip-compressed JSON and drawn into copies of the page's own <template> markup, text only (never parsed as HTML),
// one page at a time, so 50,000 findings open quickly. Without scripts the page shows
// its static cards instead.
document.documentElement.className = "js";
document.addEventListener("DOMContentLoaded", async () => {
  const PAGE = 50, CARD_KEYS = ["payer_id", "team", "rendering_npi"], FINDING_KEYS = ["category", "severity", "rule_id", "queue"];
  const $ = (id) => document.getElementById(id);
  const form = $("filters"), queue = $("queue"), status = $("shown"), prev = $("prev"), next = $("next");
  const packed = Uint8Array.from(atob($("cards-data").textContent), (ch) => ch.charCodeAt(0));
  const cards = await new Response(new Blob([packed]).stream().pipeThrough(new DecompressionStream("gzip"))).json();
  $("static").remove(); // its cards are drawn again below; one id per claim in the page
  for (const c of cards) c.all = [...c.claim_findings, ...c.lines.flatMap((l) => l.findings), ...c.other_findings];
  let shown = [], matched = 0, page = 0, timer = 0;

  const empty = (v) => v == null || v === false || v === "" || (Array.isArray(v) && !v.length);
  function fill(template, row) {
    const node = $(template).content.firstElementChild.cloneNode(true);
    for (const el of node.querySelectorAll("[data-slot]")) el.textContent = row[el.dataset.slot] ?? "";
    for (const el of node.querySelectorAll("[data-if]")) el.hidden = empty(row[el.dataset.if]);
    for (const el of node.querySelectorAll("[data-list]")) el.append(...row[el.dataset.list].map(DRAW[el.dataset.list]));
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
  function drawCard(c) {
    const card = fill("card-template", c);
    card.className = "card u-" + c.urgency;
    card.id = "claim-" + c.claim_id;
    return card;
  }

  const DRAW = { lines: drawLine, findings: drawFinding, claim_findings: drawFinding, other_findings: drawFinding };

  function show(all) {
    const slice = all ? shown : shown.slice(page * PAGE, (page + 1) * PAGE);
    queue.replaceChildren(...slice.map(drawCard));
    const first = page * PAGE + 1;
    status.textContent = shown.length
      ? `Claims ${all ? 1 : first}–${all ? shown.length : first + slice.length - 1} of ${shown.length} · ${matched} findings match`
      : "No claim matches these filters.";
    prev.disabled = all || page === 0;
    next.disabled = all || (page + 1) * PAGE >= shown.length;
  }
  function filter() {
    const want = Object.fromEntries(new FormData(form));
    const query = (want.q || "").trim().toLowerCase();
    const fits = (row, keys) => keys.every((k) => !want[k] || row[k] === want[k]);
    shown = []; matched = 0; page = 0;
    for (const c of cards) {
      const open = fits(c, CARD_KEYS) && (!query || c.search.includes(query));
      let hits = 0;
      for (const f of c.all) {
        f.on = open && fits(f, FINDING_KEYS);
        hits += f.on;
      }
      if (hits) { shown.push(c); matched += hits; }
    }
    show(false);
  }

  form.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(filter, 120); });
  form.addEventListener("submit", (event) => { event.preventDefault(); filter(); });
  form.addEventListener("reset", () => setTimeout(filter));
  prev.addEventListener("click", () => { page -= 1; show(false); form.scrollIntoView(); });
  next.addEventListener("click", () => { page += 1; show(false); form.scrollIntoView(); });
  addEventListener("beforeprint", () => show(true));
  addEventListener("afterprint", () => show(false));
  filter();
});
