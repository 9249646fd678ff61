// The meshgov dashboard. Every value shown comes from user input (descriptors, findings):
// the page is built with DOM nodes and textContent only, never from HTML strings.
"use strict";

const state = { products: new Map(), stream: [], seen: new Set(), waiting: new Map(), filters: {} };

function eventKey(message) {
  const d = message.data;
  return message.type === "verdict" ? `v/${d.verdict_id}` : `b/${d.breach_id}/${d.state}`;
}
const STREAM_LIMIT = 500;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function time(iso) {
  return iso ? new Date(iso).toLocaleTimeString() : "";
}

function route() {
  const [view, ...rest] = (location.hash.replace(/^#\//, "") || "overview").split("/");
  return { view, arg: decodeURIComponent(rest.join("/")) };
}

function render() {
  const { view, arg } = route();
  for (const link of document.querySelectorAll("nav a")) {
    link.classList.toggle("active", link.dataset.view === view);
  }
  const main = document.getElementById("view");
  main.replaceChildren();
  if (view === "stream") renderStream(main);
  else if (view === "product") renderProduct(main, arg);
  else if (view === "register") renderRegister(main);
  else renderOverview(main);
}

// ---- mesh overview ----------------------------------------------------------------

function renderOverview(main) {
  const products = [...state.products.values()].sort((a, b) => a.product.localeCompare(b.product));
  const count = (health) => products.filter((p) => p.health === health).length;
  main.append(
    el("div", { class: "summary", id: "summary" },
      el("div", { class: "count" }, el("b", { text: products.length }), "products"),
      el("div", { class: "count" }, el("b", { text: count("HEALTHY"), class: "health HEALTHY" }), "fresh"),
      el("div", { class: "count" }, el("b", { text: count("LATE"), class: "health LATE" }), "late"),
      el("div", { class: "count" }, el("b", { text: count("BREACHED"), class: "health BREACHED" }), "breached"),
    ),
  );
  const cards = el("div", { class: "cards", id: "cards" });
  for (const product of products) {
    const budget = product.error_budget_remaining;
    cards.append(
      el("a", { class: `card ${product.health}`, href: `#/product/${encodeURIComponent(product.product)}`, "data-product": product.product },
        el("div", { class: "name", text: product.product }),
        el("div", { class: "meta", text: `${product.domain} · v${product.version} · ${product.status}` }),
        el("div", {}, el("span", { class: `health ${product.health}`, "data-health": product.health, text: product.health.toLowerCase() }),
          product.open_breaches.length ? ` · ${product.open_breaches.length} open breach${product.open_breaches.length > 1 ? "es" : ""}` : ""),
        budget === null || budget === undefined ? null
          : el("div", { class: "meta", text: `error budget left: ${(budget * 100).toFixed(1)}%` }),
      ),
    );
  }
  if (!products.length) cards.append(el("p", { class: "muted", text: "No product accepted yet." }));
  main.append(cards);
}

// ---- live stream ------------------------------------------------------------------

function matches(message) {
  const f = state.filters;
  const d = message.data;
  if (f.domain && d.domain !== f.domain) return false;
  if (f.product && !d.product.includes(f.product)) return false;
  if (f.decision && (message.type !== "verdict" || d.decision !== f.decision)) return false;
  if (f.kind && (message.type !== "breach" || d.kind !== f.kind)) return false;
  return true;
}

function streamRow(message, fresh) {
  const d = message.data;
  const link = el("a", { href: `#/product/${encodeURIComponent(d.product)}`, text: d.product });
  if (message.type === "verdict") {
    const findings = el("ul", { class: "findings" });
    for (const check of d.checks) {
      for (const f of check.findings) {
        findings.append(el("li", { text: `${check.check}: ${f.code}${f.path ? " " + f.path : ""} — ${f.message}` }));
      }
    }
    return el("tr", { class: fresh ? "fresh verdict" : "verdict", "data-product": d.product },
      el("td", { text: time(d.decided_at) }),
      el("td", { text: "verdict" }),
      el("td", {}, link, ` ${d.version}`),
      el("td", { text: d.domain }),
      el("td", {}, el("span", { class: `decision-${d.decision}`, text: d.decision }), findings.childElementCount ? findings : null),
    );
  }
  return el("tr", { class: fresh ? "fresh breach" : "breach", "data-product": d.product },
    el("td", { text: time(d.detected_at) }),
    el("td", { text: `breach ${d.kind}` }),
    el("td", {}, link, d.port ? ` / ${d.port}` : ""),
    el("td", { text: d.domain }),
    el("td", {}, el("span", { class: `state-${d.state}`, text: d.state }),
      ` ${d.rule || d.field || ""}: expected ${d.expected}; observed ${d.observed}`),
  );
}

function renderStream(main) {
  const domains = [...new Set([...state.products.values()].map((p) => p.domain))].sort();
  const select = (name, options) => {
    const node = el("select", { name, onchange: (e) => { state.filters[name] = e.target.value; fillStream(); } },
      el("option", { value: "", text: `any ${name}` }), ...options.map((o) => el("option", { value: o, text: o })));
    node.value = state.filters[name] || "";
    return node;
  };
  const productFilter = el("input", { name: "product", placeholder: "product", oninput: (e) => { state.filters.product = e.target.value; fillStream(); } });
  productFilter.value = state.filters.product || "";
  main.append(
    el("div", { class: "filters" },
      select("domain", domains),
      productFilter,
      select("decision", ["ACCEPTED", "ACCEPTED_WITH_WARNINGS", "SCHEDULED", "REJECTED", "UNDECIDED"]),
      select("kind", ["FRESHNESS", "AVAILABILITY", "QUALITY", "SCHEMA_VIOLATION", "PII_LEAK"]),
    ),
    el("table", { id: "stream" },
      el("thead", {}, el("tr", {}, ...["time", "event", "product", "domain", "what"].map((h) => el("th", { text: h })))),
      el("tbody", { id: "stream-body" }),
    ),
  );
  fillStream();
}

function fillStream() {
  const body = document.getElementById("stream-body");
  if (!body) return;
  body.replaceChildren(...state.stream.filter(matches).slice(-200).reverse().map((m) => streamRow(m, false)));
}

// ---- product page -----------------------------------------------------------------

async function renderProduct(main, name) {
  main.append(el("h2", { text: name }));
  const response = await fetch(`/api/products/${encodeURIComponent(name)}`);
  if (!response.ok) {
    main.append(el("p", { class: "muted", text: `No product named ${name}.` }));
    return;
  }
  const product = await response.json();
  const entry = product.entry;
  if (entry) {
    main.append(el("p", {},
      el("span", { class: `health ${entry.health}`, id: "product-health", text: entry.health }),
      ` · ${entry.domain} · owner ${entry.owner} · v${entry.current_version} · ${entry.status}`,
      entry.scheduled_version ? ` · v${entry.scheduled_version} scheduled for ${entry.scheduled_effective_at}` : ""));
    if (entry.description) main.append(el("p", { text: entry.description }));
  }
  main.append(el("section", {}, el("h3", { text: "Lineage" }), lineage(name, product.lineage)));

  const verdicts = el("table", { id: "verdicts" }, el("tr", {}, ...["decided", "version", "decision", "findings"].map((h) => el("th", { text: h }))));
  for (const v of [...product.verdicts].reverse()) {
    const findings = el("ul", { class: "findings" });
    for (const check of v.checks) for (const f of check.findings) {
      findings.append(el("li", { text: `${check.check} ${f.severity}: ${f.code}${f.path ? " " + f.path : ""} — ${f.message}` }));
    }
    verdicts.append(el("tr", {}, el("td", { text: new Date(v.decided_at).toLocaleString() }), el("td", { text: v.version }),
      el("td", { class: `decision-${v.decision}`, text: v.decision }), el("td", {}, findings)));
  }
  main.append(el("section", {}, el("h3", { text: "Verdicts" }), verdicts));

  const timeline = el("ul", { class: "timeline", id: "breaches" });
  for (const b of [...product.breaches].reverse()) {
    timeline.append(el("li", { class: b.state },
      el("b", { text: `${new Date(b.detected_at).toLocaleString()} ${b.state} ${b.kind}` }),
      ` ${b.port ? "on " + b.port + " " : ""}${b.rule || b.field || ""}: expected ${b.expected}; observed ${b.observed}`));
  }
  if (!product.breaches.length) timeline.append(el("li", { class: "muted", text: "No breach." }));
  main.append(el("section", {}, el("h3", { text: "Breaches" }), timeline));

  if (entry) {
    main.append(el("section", {}, el("h3", { text: "Versions" }),
      el("table", {}, el("tr", {}, ...["version", "decision", "accepted", "effective"].map((h) => el("th", { text: h }))),
        ...entry.versions.map((v) => el("tr", {}, el("td", { text: v.version }), el("td", { text: v.decision }),
          el("td", { text: new Date(v.accepted_at).toLocaleString() }), el("td", { text: v.effective_at || "" }))))));
    main.append(el("section", {}, el("h3", { text: "Descriptor" }), el("pre", { class: "descriptor", id: "descriptor", text: entry.descriptor })));
  }
}

function lineage(name, links) {
  const up = links.upstream, down = links.downstream;
  const rows = Math.max(up.length, down.length, 1);
  const width = 760, height = rows * 44 + 20, boxW = 200, boxH = 28;
  const graph = svg("svg", { class: "lineage", id: "lineage", width, height, viewBox: `0 0 ${width} ${height}` });
  const column = (names, x) => names.map((n, i) => ({ n, x, y: 10 + i * 44 + (rows - names.length) * 22 }));
  const center = { n: name, x: (width - boxW) / 2, y: height / 2 - boxH / 2 };
  const left = column(up, 10), right = column(down, width - boxW - 10);
  for (const node of left) graph.append(svg("line", { x1: node.x + boxW, y1: node.y + boxH / 2, x2: center.x, y2: center.y + boxH / 2 }));
  for (const node of right) graph.append(svg("line", { x1: center.x + boxW, y1: center.y + boxH / 2, x2: node.x, y2: node.y + boxH / 2 }));
  const box = (node, self) => {
    const link = svg("a", { href: `#/product/${encodeURIComponent(node.n)}` });
    link.append(svg("rect", { x: node.x, y: node.y, width: boxW, height: boxH, class: self ? "self" : "" }),
      svg("text", { x: node.x + 10, y: node.y + 18, class: self ? "self" : "" }, node.n));
    graph.append(link);
  };
  left.forEach((n) => box(n, false));
  right.forEach((n) => box(n, false));
  box(center, true);
  return graph;
}

// ---- registration -----------------------------------------------------------------

function renderRegister(main) {
  const text = el("textarea", { id: "descriptor-input", spellcheck: "false", placeholder: "data_product:\n  name: ...\n  owner: ...\n  output_ports: ..." });
  const file = el("input", { type: "file", accept: ".yaml,.yml", onchange: async (e) => { if (e.target.files[0]) text.value = await e.target.files[0].text(); } });
  const result = el("div", { class: "result", id: "register-result", hidden: "" });
  const submit = el("button", { id: "register-submit", text: "Register", onclick: async () => {
    result.hidden = false;
    result.replaceChildren(el("p", { text: "Publishing to mesh.registrations…" }));
    const response = await fetch("/api/register", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ descriptor: text.value }) });
    const body = await response.json();
    if (!response.ok) {
      result.replaceChildren(el("p", { class: "decision-REJECTED", text: body.error.split("\n")[0] }),
        el("ul", { class: "findings" }, ...(body.problems || []).map((p) => el("li", { text: `${p.path || "descriptor"}${p.line ? " (line " + p.line + ")" : ""}: ${p.message}` }))));
      return;
    }
    result.replaceChildren(el("p", { text: `Registration of ${body.product} published; waiting for the verdict…` }));
    state.waiting.set(body.registration_id, result);
  } });
  main.append(el("h2", { text: "Register a data product" }),
    el("p", { class: "muted", text: "Paste or upload the descriptor: it goes through the same Kafka flow as `meshgov register`." }),
    file, text, el("p", {}, submit), result);
}

function showVerdict(result, v) {
  const findings = el("ul", { class: "findings" });
  for (const check of v.checks) for (const f of check.findings) {
    findings.append(el("li", { text: `${check.check} ${f.severity}: ${f.code}${f.path ? " " + f.path : ""} — ${f.message}` }));
  }
  result.replaceChildren(
    el("p", {}, el("span", { class: `decision-${v.decision}`, id: "verdict-decision", text: v.decision }),
      ` ${v.product} ${v.version} in ${(v.latency_ms / 1000).toFixed(1)} s`),
    findings, el("a", { href: `#/product/${encodeURIComponent(v.product)}`, text: "open the product" }));
}

// ---- live updates -----------------------------------------------------------------

function onMessage(message) {
  if (message.type === "dropped") {
    const notice = document.getElementById("notice");
    notice.hidden = false;
    notice.textContent = `This page fell behind: ${message.data.count} older events were skipped. Reload the view to see the full history.`;
    return;
  }
  if (message.type === "catalog") {
    state.products.set(message.data.product, message.data);
    const { view, arg } = route();
    if (view === "overview" || (view === "product" && arg === message.data.product)) render();
    return;
  }
  const key = eventKey(message);
  if (state.seen.has(key)) return;  // already in the snapshot loaded on (re)connect
  state.seen.add(key);
  state.stream.push(message);
  if (state.stream.length > STREAM_LIMIT) state.stream.shift();
  const { view, arg } = route();
  if (view === "stream" && matches(message)) {
    const body = document.getElementById("stream-body");
    if (body) body.prepend(streamRow(message, true));
  }
  if (view === "product" && arg === message.data.product) render();
  if (message.type === "verdict" && state.waiting.has(message.data.registration_id)) {
    showVerdict(state.waiting.get(message.data.registration_id), message.data);
    state.waiting.delete(message.data.registration_id);
  }
}

async function loadState() {
  const response = await fetch("/api/state");
  const body = await response.json();
  state.products = new Map(body.products.map((p) => [p.product, p]));
  state.stream = body.recent;
  state.seen = new Set(body.recent.map(eventKey));
}

function connect() {
  const status = document.getElementById("connection");
  const source = new EventSource("/api/events");
  source.onopen = async () => {
    status.textContent = "live";
    status.className = "connection online";
    await loadState();  // after a reconnect, catch up with what happened meanwhile
    render();
  };
  source.onmessage = (event) => onMessage(JSON.parse(event.data));
  source.onerror = () => {
    status.textContent = "reconnecting";
    status.className = "connection offline";
  };
}

window.addEventListener("hashchange", render);
window.addEventListener("DOMContentLoaded", async () => {
  try { await loadState(); } catch (e) { /* the event stream retries */ }
  render();
  connect();
});
