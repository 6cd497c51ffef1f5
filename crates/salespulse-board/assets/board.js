// The salespulse board: subscribes to /api/v1/stream and renders every update without a
// reload. Every name that comes from events (teams, reps, stages, deals) is set as text
// (textContent), never parsed as HTML.
"use strict";

const PREFIX = "/board/teams/";
const team = location.pathname.startsWith(PREFIX)
  ? decodeURIComponent(location.pathname.slice(PREFIX.length))
  : null;
let currency = "EUR";
let seen = new Set();
let source = null;
let staleSince = null;

// ---- formatting ------------------------------------------------------------------
function money(v) {
  if (v === null || v === undefined) return "–";
  const abs = Math.abs(v);
  const opts = { style: "currency", currency, maximumFractionDigits: abs >= 100 || Number.isInteger(v) ? 0 : 2 };
  if (abs >= 1e6) Object.assign(opts, { notation: "compact", maximumFractionDigits: 1 });
  try { return new Intl.NumberFormat(undefined, opts).format(v); } catch (e) { return v.toFixed(0) + " " + currency; }
}
function count(v) { return new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 }).format(v || 0); }
function percent(v) { return v === null || v === undefined ? "–" : (100 * v).toFixed(0) + " %"; }
function duration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
  if (d > 0) return d + " d " + h + " h";
  if (h > 0) return h + " h " + m + " min";
  if (m > 0) return m + " min";
  return s + " s";
}
function ago(iso) {
  const s = (Date.now() - Date.parse(iso)) / 1000;
  return s < 60 ? "just now" : duration(s) + " ago";
}

// ---- DOM helpers: text only -------------------------------------------------------
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") e.className = v; else e.setAttribute(k, v);
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}
function panel(title, cls, ...children) { return el("section", { class: "panel " + (cls || "") }, el("h2", null, title), ...children); }
function bar(fraction, marker) {
  const b = el("div", { class: "bar" }, el("span"));
  b.firstChild.style.width = Math.min(100, Math.max(0, 100 * (fraction || 0))) + "%";
  if (marker !== null && marker !== undefined) {
    const i = el("i");
    i.style.left = Math.min(100, Math.max(0, 100 * marker)) + "%";
    b.append(i);
  }
  return b;
}

// ---- panels of one team ------------------------------------------------------------
function revenue(t) {
  const p = panel("Won · last 24 h", "", el("div", { class: "big", id: "won-24h", "data-value": t.won_revenue_24h }, money(t.won_revenue_24h)),
    el("div", { class: "sub" }, count(t.won_deals_24h) + (t.won_deals_24h === 1 ? " deal won" : " deals won")));
  return p;
}
function month(t) {
  const children = [el("div", { class: "big", id: "won-mtd", "data-value": t.won_revenue_mtd }, money(t.won_revenue_mtd))];
  if (t.quota_mtd !== null && t.quota_mtd !== undefined) {
    const pace = t.pace || { month_elapsed: 0, expected_by_now: 0, projected: 0 };
    const ahead = t.won_revenue_mtd - pace.expected_by_now;
    children.push(el("div", { class: "sub" }, "of " + money(t.quota_mtd) + " quota · " + percent(t.attainment_mtd)));
    children.push(bar(t.attainment_mtd, pace.month_elapsed));
    children.push(el("div", { class: "sub " + (ahead >= 0 ? "up" : "down"), id: "pace" },
      (ahead >= 0 ? "ahead of pace by " : "behind pace by ") + money(Math.abs(ahead)) + " · heading for " + money(pace.projected)));
  } else {
    children.push(el("div", { class: "sub" }, "no quota for this month"));
  }
  return panel("Won · month to date", "wide", ...children);
}
function winRate(t) {
  const arrow = { up: "▲", down: "▼", flat: "▶" }[t.win_rate_trend] || "";
  return panel("Win rate · 30 days", "",
    el("div", { class: "big", id: "win-rate" }, percent(t.win_rate_30d)),
    el("div", { class: "sub " + (t.win_rate_trend || "") }, arrow + " 7 days: " + percent(t.win_rate_7d)));
}
function leads(t, sla) {
  const since = t.oldest_waiting_since;
  const wait = el("div", { class: "sub", id: "oldest-wait", "data-since": since }, since ? "oldest waiting " + duration((Date.now() - Date.parse(since)) / 1000) : "none waiting");
  return panel("Leads awaiting response", t.past_sla ? "past-sla" : "",
    el("div", { class: "big", id: "leads" }, count(t.leads_awaiting)), wait,
    el("div", { class: "sub" }, "SLA " + duration(sla)));
}
function activities(t) {
  return panel("Activities · last 24 h", "", el("div", { class: "big", id: "activities" }, count(t.activities_24h)));
}
function pipeline(t) {
  const rows = t.pipeline.map((s) => el("tr", null, el("td", null, s.stage), el("td", null, count(s.deals)), el("td", null, money(s.value))));
  return panel("Pipeline · " + money(t.pipeline_value) + " in " + count(t.pipeline_deals) + " deals", "",
    el("table", { id: "pipeline" }, el("tr", null, el("th", null, "Stage"), el("th", null, "Deals"), el("th", null, "Value")), ...rows));
}
function reps(t) {
  if (!t.reps.length) return panel("Reps · last 24 h", "", el("div", { class: "sub" }, "per-rep series are off (kpis.per_rep_series)"));
  const rows = t.reps.slice(0, 8).map((r) => el("tr", null, el("td", null, r.rep), el("td", null, count(r.activities_24h)),
    el("td", null, count(r.won_deals_24h)), el("td", null, money(r.won_revenue_24h))));
  return panel("Reps · last 24 h", "wide",
    el("table", { id: "reps" }, el("tr", null, el("th", null, "Rep"), el("th", null, "Activities"), el("th", null, "Won"), el("th", null, "Revenue")), ...rows));
}
function feed(moments) {
  const items = moments.slice(0, 10).map((m) => {
    const key = m.at + "|" + m.deal_id + "|" + (m.outcome || m.stage);
    const what = m.outcome === "won" ? "Won" : m.outcome === "lost" ? "Lost" : m.outcome === "no_decision" ? "No decision" : "→ " + m.stage;
    const li = el("li", { class: seen.size && !seen.has(key) ? "new" : null, "data-at": m.at },
      el("span", { class: "what " + (m.outcome || "") }, what),
      el("span", { class: "deal" }, m.deal_id),
      el("span", { class: "amount" }, m.amount === null || m.amount === undefined ? "" : money(m.amount)),
      el("span", { class: "when" }, ago(m.at)),
      el("span", { class: "who" }, (m.rep ? m.rep + " · " : "") + m.team));
    return [key, li];
  });
  seen = new Set(items.map(([k]) => k).concat(seen.size ? [] : ["-"]));
  return panel("Latest closes and stage moves", "feed-panel", el("ol", { class: "feed", id: "feed" }, ...items.map(([, li]) => li)),
    items.length ? null : el("div", { class: "sub" }, "nothing yet"));
}

// ---- pages -------------------------------------------------------------------------
function teamPage(page) {
  const t = page.team;
  document.getElementById("title").textContent = "· " + t.team;
  document.title = t.team + " · salespulse board";
  const main = el("main", { id: "board", class: "team", "data-generated-at": page.generated_at },
    revenue(t), month(t), feed(page.feed), winRate(t), leads(t, page.lead_response_sla_seconds), activities(t), pipeline(t), reps(t));
  document.getElementById("board").replaceWith(main);
}
function overview(board) {
  document.getElementById("title").textContent = "· all teams";
  const cards = board.teams.map((t) => el("section", { class: "panel card" + (t.past_sla ? " past-sla" : ""), "data-team": t.team },
    el("a", { href: PREFIX + encodeURIComponent(t.team) }, el("h3", null, t.team)),
    el("dl", null,
      el("dt", null, "Won · 24 h"), el("dd", null, money(t.won_revenue_24h)),
      el("dt", null, "Won · month"), el("dd", null, money(t.won_revenue_mtd) + (t.quota_mtd ? " / " + money(t.quota_mtd) : "")),
      el("dt", null, "Win rate · 30 d"), el("dd", null, percent(t.win_rate_30d)),
      el("dt", null, "Pipeline"), el("dd", null, money(t.pipeline_value)),
      el("dt", null, "Leads waiting"), el("dd", null, count(t.leads_awaiting) + (t.oldest_waiting_since ? " · " + duration(t.oldest_wait_seconds) : ""))),
    t.quota_mtd ? bar(t.attainment_mtd, t.pace && t.pace.month_elapsed) : null));
  const main = el("main", { id: "board", class: "overview", "data-generated-at": board.generated_at },
    el("div", { class: "cards" }, ...cards), feed(board.feed));
  document.getElementById("board").replaceWith(main);
}
function coverage(c) {
  const box = document.getElementById("coverage");
  if (c.complete) { box.hidden = true; return; }
  const down = c.instances.filter((i) => !i.up).map((i) => i.address);
  const parts = [];
  if (down.length) parts.push("not answering: " + down.join(", "));
  if (c.missing.length) parts.push("partitions held by no instance: " + c.missing.join(", "));
  if (c.overlapping.length) parts.push("partitions held twice (rebalancing): " + c.overlapping.join(", "));
  if (c.catching_up.length) parts.push("partitions still reading what they missed: " + c.catching_up.join(", "));
  box.textContent = "Incomplete: these figures leave out part of the group (" + parts.join("; ") + ").";
  box.hidden = false;
}
function render(data) {
  currency = data.base_currency || currency;
  coverage(data.coverage);
  if (team === null) overview(data); else teamPage(data);
  document.getElementById("updated").textContent = "updated " + new Date(data.generated_at).toLocaleTimeString();
}

// ---- connection ----------------------------------------------------------------------
function status(state, text) {
  document.body.classList.remove("connecting", "live", "stale");
  document.body.classList.add(state);
  document.getElementById("status").textContent = text;
}
function connect() {
  const url = "/api/v1/stream" + (team === null ? "" : "?team=" + encodeURIComponent(team));
  source = new EventSource(url);
  source.addEventListener("board", (e) => {
    staleSince = null;
    status("live", "live");
    render(JSON.parse(e.data));
  });
  source.onerror = () => {
    staleSince = staleSince || new Date();
    status("stale", "disconnected since " + staleSince.toLocaleTimeString() + " · reconnecting");
    if (source.readyState === EventSource.CLOSED) {
      source = null;
      setTimeout(connect, 3000);
    }
  };
}
// Waits and "ago" move on their own between updates.
setInterval(() => {
  const w = document.getElementById("oldest-wait");
  if (w && w.dataset.since) w.textContent = "oldest waiting " + duration((Date.now() - Date.parse(w.dataset.since)) / 1000);
  for (const e of document.querySelectorAll("#feed .when")) {
    const li = e.closest("li");
    if (li && li.dataset.at) e.textContent = ago(li.dataset.at);
  }
}, 1000);
connect();
