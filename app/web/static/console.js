// cspsim's sandbox console: reads the control surface's APIs with the sandbox's admin key, and shows the sandbox on
// its clock. No framework and no build step. Every value goes on the page as text (textContent), never as markup.
"use strict";

const RECORD_KINDS = {
  tenants: "Tenants",
  enrollments: "Programs (enrollments)",
  partnerships: "Partnerships",
  relationships: "Customer relationships",
  gdapRelationships: "GDAP relationships",
  subscriptions: "Subscriptions",
  orders: "Orders",
  transfers: "Transfers",
  invoices: "Invoices",
};
// The columns a list shows, the first that a kind has, in this order.
const PREFERRED = ["displayName", "name", "kind", "program", "status", "offerName", "quantity", "domain",
  "relationshipType", "subject", "recipient", "resourceType", "resourceId", "ref", "pathPrefix", "eventName",
  "createdAt", "occurredAt", "sentAt", "dueAt", "firedAt"];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PAGE = 50;

let sandbox = null; // {id, key}
const $ = (id) => document.getElementById(id);

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (name === "text") el.textContent = value;
    else if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    el.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return el;
}

class ApiError extends Error {}

async function api(method, path, body, headers) {
  const below = `/sim/v1/sandboxes/${encodeURIComponent(sandbox.id)}`;
  const url = path.startsWith("/") ? path : path ? `${below}/${path}` : below;
  const init = { method, headers: { Authorization: `Bearer ${sandbox.key}`, ...(headers || {}) } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(url, init);
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = text; }
  if (!response.ok) {
    const said = data && (data.description || data.message || (data.error && data.error.message));
    throw new ApiError(`${method} ${url} answered ${response.status}: ${said || text}`);
  }
  return data;
}

function say(text, kind) {
  const status = $("status");
  status.hidden = false;
  status.className = `note ${kind || "info"}`;
  status.setAttribute("role", kind === "error" ? "alert" : "status");
  status.textContent = text;
}

// --- values --------------------------------------------------------------------------------------------------------

function value(v) {
  if (v === null || v === undefined || v === "") return h("span", { text: "—", "aria-label": "none" });
  if (typeof v === "string" && UUID.test(v)) return h("a", { href: `#id/${v}`, text: v });
  if (typeof v === "object") return h("code", { text: JSON.stringify(v) });
  return document.createTextNode(String(v));
}

function columnsOf(items) {
  const present = new Set(items.flatMap((item) => Object.keys(item)));
  const chosen = PREFERRED.filter((c) => present.has(c)).slice(0, 6);
  if (chosen.length) return chosen;
  return [...present].filter((c) => c !== "id" && typeof items[0][c] !== "object").slice(0, 5);
}

function table(caption, items, link) {
  if (!items.length) return h("p", { text: `No ${caption.toLowerCase()}.` });
  const columns = columnsOf(items);
  const head = h("tr", {}, ...["id", ...columns].map((c) => h("th", { scope: "col", text: c })));
  const rows = items.map((item) => h("tr", {},
    h("td", {}, item.id ? h("a", { href: link(item), text: String(item.id) }) : value(null)),
    ...columns.map((c) => h("td", {}, value(item[c])))));
  return h("table", {}, h("caption", { class: "skip", text: caption }), h("thead", {}, head), h("tbody", {}, ...rows));
}

function heading(text) {
  const title = h("h2", { tabindex: "-1", text });
  return title;
}

function show(...nodes) {
  const view = $("view");
  view.replaceChildren(...nodes);
  const title = view.querySelector("h2");
  if (title) title.focus();
}

// --- lists: a Partner Center collection (links.next + MS-ContinuationToken), or {items} paged here -----------------

function pagedList(title, fetchPage, link) {
  const holder = h("div", {});
  const more = h("button", { type: "button", class: "secondary", text: "Show more" });
  const total = h("p", {});
  let items = [];
  let next = null;
  async function load() {
    more.disabled = true;
    const page = await fetchPage(next);
    items = items.concat(page.items);
    next = page.next;
    total.textContent = `${items.length} of ${page.total} shown.`;
    holder.replaceChildren(table(title, items, link));
    more.hidden = !next;
    more.disabled = false;
  }
  more.addEventListener("click", () => load().catch((e) => say(e.message, "error")));
  return { nodes: [heading(title), total, holder, more], load };
}

function collection(path, params) {
  return async (next) => {
    if (next) {
      const page = await api("GET", next.uri, undefined, Object.fromEntries(next.headers.map((x) => [x.key, x.value])));
      return { items: page.items, total: page.totalCount, next: page.links.next };
    }
    const query = new URLSearchParams({ size: String(PAGE), ...(params || {}) });
    const page = await api("GET", `${path}?${query}`);
    return { items: page.items, total: page.totalCount, next: page.links.next };
  };
}

function wholeList(path) {
  let all = null;
  return async (next) => {
    if (all === null) all = (await api("GET", path)).items;
    const start = next ? next.start : 0;
    const items = all.slice(start, start + PAGE);
    return { items, total: all.length, next: start + PAGE < all.length ? { start: start + PAGE } : null };
  };
}

// --- views ---------------------------------------------------------------------------------------------------------

async function overview() {
  const counts = await Promise.all(Object.keys(RECORD_KINDS).map(async (kind) => {
    const page = await api("GET", `records/${kind}?size=1`);
    return [kind, page.totalCount];
  }));
  const list = h("ul", {}, ...counts.map(([kind, n]) => h("li", {}, h("a", { href: `#list/${kind}`, text: RECORD_KINDS[kind] }), `: ${n}`)));
  const events = await api("GET", "events?size=1");
  const mails = await api("GET", "mailbox?size=1");
  const timers = await api("GET", "timers?status=pending&size=1");
  show(heading("Overview"), list,
    h("ul", {},
      h("li", {}, h("a", { href: "#events", text: "Events" }), `: ${events.totalCount}`),
      h("li", {}, h("a", { href: "#mailbox", text: "Mailbox" }), `: ${mails.totalCount}`),
      h("li", {}, h("a", { href: "#timers", text: "Timers waiting" }), `: ${timers.totalCount}`)));
}

async function listView(kind) {
  if (!RECORD_KINDS[kind]) throw new ApiError(`There is no list named ${kind}.`);
  const list = pagedList(RECORD_KINDS[kind], collection(`records/${kind}`), (item) => `#record/${kind}/${item.id}`);
  show(...list.nodes);
  await list.load();
}

async function simpleView(title, fetchPage, link, extra) {
  const list = pagedList(title, fetchPage, link);
  show(...list.nodes, ...(extra || []));
  await list.load();
}

function fields(record) {
  return h("dl", { class: "fields" }, ...Object.entries(record).flatMap(([name, v]) => [h("dt", { text: name }), h("dd", {}, value(v))]));
}

async function mentions(id) {
  const sections = [];
  for (const kind of [...Object.keys(RECORD_KINDS), "events"]) {
    const page = await api("GET", `records/${kind}?size=${PAGE}&ref=${id}`);
    const found = page.items.filter((item) => item.id !== id);
    if (found.length) {
      const title = kind === "events" ? "Events" : RECORD_KINDS[kind];
      sections.push(h("h3", { text: `${title} that name it (${page.totalCount})` }),
        table(title, found, (item) => `#record/${kind}/${item.id}`));
    }
  }
  return sections.length ? sections : [h("p", { text: "No other record names it." })];
}

async function recordView(kind, id) {
  const record = await api("GET", `records/${kind}/${id}`);
  const title = kind === "events" ? "Event" : RECORD_KINDS[kind] || kind;
  show(heading(`${title} ${record.displayName || record.name || ""} ${id}`.replace(/\s+/g, " ")), fields(record),
    h("h3", { text: "Linked records" }), ...(await mentions(id)));
}

async function idView(id) {
  for (const kind of Object.keys(RECORD_KINDS)) {
    try {
      await api("GET", `records/${kind}/${id}`);
      window.location.replace(`#record/${kind}/${id}`);
      return;
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
    }
  }
  show(heading(`Id ${id}`), h("p", { text: "No record of the sandbox has this id; these name it:" }), ...(await mentions(id)));
}

function faultForm() {
  const form = h("form", { id: "fault-form" },
    h("h3", { text: "Add a fault" }),
    h("label", { for: "fault-kind", text: "Kind" }),
    h("select", { id: "fault-kind" }, ...["error", "throttle", "latency"].map((k) => h("option", { value: k, text: k }))),
    h("label", { for: "fault-path", text: "Path prefix" }),
    h("input", { id: "fault-path", required: "", value: "/v1/customers" }),
    h("label", { for: "fault-method", text: "Method" }),
    h("select", { id: "fault-method" }, ...["*", "GET", "POST", "PUT", "PATCH", "DELETE"].map((m) => h("option", { value: m, text: m }))),
    h("label", { for: "fault-status", text: "Status (error)" }),
    h("input", { id: "fault-status", type: "number", min: "400", max: "599", value: "503" }),
    h("label", { for: "fault-count", text: "Next N calls (empty: every call)" }),
    h("input", { id: "fault-count", type: "number", min: "1" }),
    h("button", { type: "submit", id: "add-fault", text: "Add the fault" }));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const kind = $("fault-kind").value;
    const body = { kind, pathPrefix: $("fault-path").value, method: $("fault-method").value };
    if (kind === "error") body.statusCode = Number($("fault-status").value);
    if (kind === "throttle") body.retryAfterSeconds = 5;
    if (kind === "latency") body.latencyMs = 500;
    if ($("fault-count").value) body.count = Number($("fault-count").value);
    else body.probability = 1;
    api("POST", "faults", body)
      .then((made) => { say(`Fault ${made.id} added: ${made.kind} on ${made.method} ${made.pathPrefix}.`); return route(); })
      .catch((e) => say(e.message, "error"));
  });
  return form;
}

function diffForm() {
  const result = h("div", { id: "diff-result" });
  const form = h("form", { id: "diff-form" },
    h("p", { text: "Compare this sandbox with another (a fork of it, or its origin): rows are matched by id." }),
    h("label", { for: "against-id", text: "Other sandbox's id" }),
    h("input", { id: "against-id", required: "", autocomplete: "off", spellcheck: "false" }),
    h("label", { for: "against-key", text: "Other sandbox's admin key" }),
    h("input", { id: "against-key", type: "password", required: "", autocomplete: "off" }),
    h("button", { type: "submit", id: "compare", text: "Compare" }));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const query = new URLSearchParams({ against: $("against-id").value.trim() });
    api("GET", `diff?${query}`, undefined, { "CSPSIM-Against-Key": $("against-key").value })
      .then((diff) => result.replaceChildren(...diffNodes(diff)))
      .catch((e) => say(e.message, "error"));
  });
  return [form, result];
}

function diffNodes(diff) {
  const nodes = [h("p", { role: "status", text: `${diff.totalChanges} change(s).` })];
  for (const [kind, found] of Object.entries(diff.kinds)) {
    const title = RECORD_KINDS[kind] || (kind === "events" ? "Events" : kind);
    const items = [
      ...found.added.map((r) => h("li", { class: "added" }, "added ", value(r.id), ` ${r.displayName || r.name || r.status || ""}`)),
      ...found.removed.map((r) => h("li", { class: "removed" }, "removed ", value(r.id), ` ${r.displayName || r.name || r.status || ""}`)),
      ...found.changed.map((c) => h("li", {}, "changed ", value(c.id), " ",
        h("code", { text: Object.entries(c.changes).map(([n, x]) => `${n}: ${JSON.stringify(x.from)} → ${JSON.stringify(x.to)}`).join("; ") }))),
    ];
    nodes.push(h("h3", { text: title }), h("ul", {}, ...items));
  }
  return nodes;
}

async function route() {
  if (!sandbox) return;
  const [name, ...rest] = (window.location.hash.slice(1) || "overview").split("/");
  try {
    if (name === "list") await listView(rest[0]);
    else if (name === "record") await recordView(rest[0], rest[1]);
    else if (name === "id") await idView(rest[0]);
    else if (name === "events") await simpleView("Events", collection("events"), (e) => `#record/events/${e.id}`);
    else if (name === "mailbox") await simpleView("Mailbox", collection("mailbox"), () => "#mailbox");
    else if (name === "timers") await simpleView("Timers", collection("timers"), () => "#timers");
    else if (name === "faults") await simpleView("Faults", wholeList("faults"), () => "#faults", [faultForm()]);
    else if (name === "webhooks") await simpleView("Webhook deliveries", collection("webhooks/deliveries"), () => "#webhooks");
    else if (name === "diff") show(heading("Diff"), ...diffForm());
    else await overview();
  } catch (e) {
    say(e.message, "error");
  }
}

// --- the sandbox and its clock -------------------------------------------------------------------------------------

async function refreshClock() {
  const clock = await api("GET", "clock");
  $("clock-now").textContent = clock.now;
  $("clock-now").setAttribute("datetime", clock.now);
  $("clock-frozen").textContent = clock.frozen ? "(frozen)" : "(running)";
}

async function open(id, key) {
  sandbox = { id, key };
  try {
    const found = await api("GET", "");
    $("sandbox-name").textContent = `${found.name} (${found.id})`;
  } catch (e) {
    sandbox = null;
    sessionStorage.removeItem("cspsim.sandbox");
    throw e;
  }
  sessionStorage.setItem("cspsim.sandbox", JSON.stringify(sandbox));
  $("open").hidden = true;
  $("opened").hidden = false;
  $("nav").hidden = false;
  await refreshClock();
  await route();
}

function fired(answer) {
  const names = answer.fired.map((t) => `${t.kind} ${t.ref} (${t.status})`);
  return `The clock reads ${answer.now}; ${answer.fired.length} timer(s) fired${names.length ? ": " + names.join(", ") : "."}`;
}

function wire() {
  $("open-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const openError = $("open-error");
    if (openError) openError.remove();
    open($("sandbox-id").value.trim(), $("admin-key").value).catch((e) => {
      $("open-form").append(h("p", { id: "open-error", class: "note error", role: "alert", text: e.message }));
    });
  });
  $("advance-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const amount = Number($("advance-amount").value);
    const unit = $("advance-unit").value;
    try {
      let answer = await api("POST", "clock/advance", { [unit]: unit === "businessDays" ? Math.round(amount) : amount });
      const all = [...answer.fired];
      while (answer.complete === false) {
        answer = await api("POST", "clock/advance", { to: answer.continueTo });
        all.push(...answer.fired);
      }
      say(fired({ ...answer, fired: all }), "ok");
      await refreshClock();
      await route();
    } catch (e) {
      say(e.message, "error");
    }
  });
  $("freeze").addEventListener("click", () => api("POST", "clock/freeze")
    .then(() => { say("The clock is frozen."); return refreshClock(); }).catch((e) => say(e.message, "error")));
  $("resume").addEventListener("click", () => api("POST", "clock/resume")
    .then(() => { say("The clock runs again."); return refreshClock(); }).catch((e) => say(e.message, "error")));
  $("close").addEventListener("click", () => {
    sessionStorage.removeItem("cspsim.sandbox");
    window.location.hash = "";
    window.location.reload();
  });
  window.addEventListener("hashchange", route);
  // The forms' buttons come disabled: a form sent before this script has wired it would go to the server as a GET,
  // the admin key in its address, and reload an empty page. A disabled default button stops Enter sending it.
  for (const button of [$("open-button"), $("advance")]) button.disabled = false;
  const kept = sessionStorage.getItem("cspsim.sandbox");
  if (kept) {
    const { id, key } = JSON.parse(kept);
    open(id, key).catch(() => {});
  }
}

document.addEventListener("DOMContentLoaded", wire);
