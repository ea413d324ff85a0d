// Analytics: the contract's reports for a date range, time zone and embed code, as
// charts, tables and CSV downloads. Each report fails on its own, with the server's reason.
import { api, download, qs } from "./api.js";
import { busy, clear, errorBox, field, fmt, h, row, table } from "./dom.js";
import { draft } from "./knowledge.js";

const SVG = "http://www.w3.org/2000/svg";
const A = "/api/v1/analytics";

function svg(tag, attrs, children = []) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(c);
  return el;
}

const isoDate = (d) => d.toISOString().slice(0, 10);

function zones() {
  const local = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  let all = ["UTC"];
  try {
    all = Intl.supportedValuesOf("timeZone");
  } catch {
    /* older browsers: UTC and the local zone */
  }
  return { local, all: [...new Set(["UTC", local, ...all])] };
}

function barChart(title, points, zone) {
  const w = 640;
  const hgt = 200;
  const pad = 28;
  const max = Math.max(1, ...points.map((p) => p.queries));
  const bw = (w - pad) / Math.max(1, points.length);
  const bars = points.map((p, i) => {
    const bh = ((hgt - pad) * p.queries) / max;
    return svg("rect", { x: pad + i * bw + 1, y: hgt - pad - bh, width: Math.max(1, bw - 2), height: bh, class: "bar" }, [
      svg("title", {}, [`${fmt.date(p.bucket_start, zone)}: ${p.queries} queries, ${p.sessions} sessions`]),
    ]);
  });
  const axis = [
    svg("line", { x1: pad, y1: hgt - pad, x2: w, y2: hgt - pad, class: "axis" }),
    svg("text", { x: 0, y: 12, class: "label" }, [String(max)]),
    svg("text", { x: 0, y: hgt - pad, class: "label" }, ["0"]),
  ];
  if (points.length) {
    axis.push(svg("text", { x: pad, y: hgt - 8, class: "label" }, [fmt.date(points[0].bucket_start, zone).split(",")[0]]));
    axis.push(svg("text", { x: w, y: hgt - 8, class: "label", "text-anchor": "end" }, [fmt.date(points.at(-1).bucket_start, zone).split(",")[0]]));
  }
  return svg("svg", { viewBox: `0 0 ${w} ${hgt}`, class: "chart", role: "img", "aria-label": title }, [...axis, ...bars]);
}

function resolutionBar(s) {
  const total = Math.max(1, s.total_sessions || 0);
  const parts = [
    ["Resolved by the bot", s.resolved_sessions || 0, "resolved"],
    ["Pending (too recent)", s.pending_sessions || 0, "pending"],
    ["Not resolved", Math.max(0, (s.total_sessions || 0) - (s.resolved_sessions || 0) - (s.pending_sessions || 0)), "unresolved"],
  ];
  let x = 0;
  const rects = parts.map(([label, n, cls]) => {
    const wdt = (600 * n) / total;
    const r = svg("rect", { x, y: 0, width: wdt, height: 28, class: cls }, [svg("title", {}, [`${label}: ${n}`])]);
    x += wdt;
    return r;
  });
  const label = `Resolution: ${parts.map(([l, n]) => `${l} ${n}`).join(", ")}`;
  return h("div", {}, [
    svg("svg", { viewBox: "0 0 600 28", class: "chart stacked", role: "img", "aria-label": label }, rects),
    h("ul", { class: "legend" }, parts.map(([l, n, cls]) => h("li", {}, [h("span", { class: `swatch ${cls}`, "aria-hidden": "true" }), `${l}: ${n}`]))),
  ]);
}

export async function analyticsPage(body) {
  const codes = await api("GET", "/api/v1/embed-codes?limit=100").then((p) => p.items, () => []);
  const today = new Date();
  const from = h("input", { type: "date", name: "from", value: isoDate(new Date(today.getTime() - 29 * 86400000)) });
  const to = h("input", { type: "date", name: "to", value: isoDate(today) });
  const { local, all } = zones();
  const tz = h("select", { name: "tz" }, all.map((z) => h("option", { value: z, text: z, selected: z === local })));
  const code = h("select", { name: "embed_code_id" }, [h("option", { value: "", text: "All embed codes" }), ...codes.map((c) => h("option", { value: c.id, text: c.name }))]);
  const interval = h("select", { name: "interval" }, ["day", "week", "hour"].map((i) => h("option", { value: i, text: i })));
  const apply = h("button", { type: "submit", class: "primary", text: "Show" });
  const form = h("form", { class: "inline-form" }, [field("From", from), field("To", to), field("Time zone", tz), field("Embed code", code), field("Interval", interval), apply]);

  const params = (extra = {}) => ({ from: from.value, to: to.value, tz: tz.value, embed_code_id: code.value, ...extra });
  const sections = {};
  function section(id, title, report, extra) {
    const content = h("div");
    const box = errorBox();
    const csv = h("button", { type: "button", class: "link", text: "Download CSV", "aria-label": `Download ${title} as CSV` });
    csv.addEventListener("click", () => busy(csv, box, () => download(`${A}/${report}${qs(params({ ...extra?.(), format: "csv" }))}`, `${report}-${from.value}-${to.value}.csv`)));
    const el = h("section", { class: "card report", "aria-labelledby": `${id}-h` }, [h("div", { class: "report-head" }, [h("h2", { id: `${id}-h`, text: title }), csv]), box, content]);
    sections[id] = { content, box, report, extra };
    return el;
  }

  const renderers = {
    summary(s) {
      const stat = (label, value) => h("div", { class: "stat" }, [h("dt", { text: label }), h("dd", { text: value })]);
      return [
        h("dl", { class: "stats" }, [
          stat("Questions", fmt.num(s.total_queries)),
          stat("Conversations", fmt.num(s.total_sessions)),
          stat("Visitors", fmt.num(s.unique_visitors)),
          stat("Answered", fmt.pct(s.answered_rate)),
          stat("Resolution", fmt.pct(s.resolution_rate)),
          stat("Handed over", fmt.pct(s.handoff_rate)),
          stat("Positive feedback", fmt.pct(s.positive_feedback_rate)),
          stat("Response time", s.avg_response_ms == null ? "–" : `${Math.round(s.avg_response_ms)} ms (p95 ${Math.round(s.p95_response_ms)} ms)`),
          stat("Documents", `${fmt.num(s.documents)} (${fmt.num(s.chunks)} chunks)`),
        ]),
        resolutionBar(s),
      ];
    },
    overtime(o) {
      return [barChart(`Questions per ${o.interval}`, o.points, tz.value),
        h("details", {}, [h("summary", { text: "As a table" }), table("Questions over time", ["From", "Questions", "Conversations"], o.points.map((p) => row([fmt.date(p.bucket_start, tz.value), fmt.num(p.queries), fmt.num(p.sessions)])))])];
    },
    top(o) {
      return [table("Top questions", ["Question", "Asked", "Answered", "Last asked"], o.items.map((q) => row([q.query, fmt.num(q.count), fmt.pct(q.answered_rate), fmt.date(q.last_asked_at)])))];
    },
    documents(o) {
      return [table("Documents cited", ["Document", "Citations", "Conversations", "Last cited"], o.items.map((d) => row([d.title, fmt.num(d.citations), fmt.num(d.sessions), fmt.date(d.last_cited_at)])))];
    },
    codes(o) {
      return [table("Embed codes", ["Embed code", "Conversations", "Questions", "Visitors", "Last used"], o.items.map((c) => row([c.name, fmt.num(c.sessions), fmt.num(c.queries), fmt.num(c.unique_visitors), fmt.date(c.last_used_at)])))];
    },
    quality(q) {
      return [
        h("p", { text: `Feedback: ${fmt.num(q.feedback.up)} up, ${fmt.num(q.feedback.down)} down (${fmt.pct(q.feedback.positive_rate)} positive). Average confidence ${fmt.pct(q.avg_confidence)}; ${fmt.num(q.low_confidence_count)} low-confidence answers; handed over ${fmt.pct(q.handoff_rate)}.` }),
        table("Unanswered questions", ["Question", "Times"], q.unanswered.map((u) => row([u.query, fmt.num(u.count)]))),
      ];
    },
    gaps(o) {
      if (!o.items.length) return [h("p", { text: "No gaps: every question found an answer." })];
      return [h("ul", { class: "gaps" }, o.items.map((g) => h("li", { class: "gap" }, [
        h("h3", { text: `${g.label} (${g.count} questions, ${g.visitors} visitors)` }),
        h("ul", {}, g.examples.map((x) => h("li", { text: x }))),
        g.nearest_documents.length ? h("p", { class: "muted", text: `Nearest: ${g.nearest_documents.map((d) => `${d.title} (${d.score.toFixed(2)})`).join(", ")}` }) : null,
        h("button", { type: "button", text: "Write a document for this", onclick: () => {
          draft.title = g.label;
          draft.content = g.examples.map((x) => `Q: ${x}\nA: \n`).join("\n");
          location.hash = "#/knowledge";
        } }),
      ])))];
    },
  };

  async function load() {
    await Promise.all(Object.entries(sections).map(async ([id, s]) => {
      clear(s.content).append(h("p", { class: "muted", text: "Loading…" }));
      s.box.show(null);
      try {
        const data = await api("GET", `${A}/${s.report}${qs(params(s.extra?.()))}`);
        clear(s.content).append(...renderers[id](data));
      } catch (err) {
        clear(s.content);
        s.box.show(err);
      }
    }));
  }
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    busy(apply, null, load);
  });

  body.append(
    form,
    h("div", { class: "reports" }, [
      section("summary", "Summary and resolution", "summary"),
      section("overtime", "Questions over time", "queries-over-time", () => ({ interval: interval.value })),
      section("top", "Top questions", "top-queries", () => ({ limit: 20 })),
      section("gaps", "Content gaps", "gaps"),
      section("documents", "Documents", "documents"),
      section("codes", "Embed codes", "embed-codes"),
      section("quality", "Answer quality", "quality"),
    ]),
  );
  await load();
}
