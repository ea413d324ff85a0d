/*!
 * CustomerCareGPT chat widget, v1.
 *
 * Embed with:
 *   <script src="https://api.example.com/widget/v1/widget.js"
 *           data-ccgpt-key="ccgpt_pk_XXXX" async></script>
 *
 * No dependencies and no build step. Everything renders inside the shadow root of one
 * <div id="ccgpt-widget"> appended to <body>. Styles go in through a constructable
 * stylesheet, so pages with a strict CSP still render it.
 *
 * Stable hooks (data-ccgpt="..."), which tests and site owners rely on:
 *   launcher, panel, close, log, greeting, suggestion, message (data-role=visitor|assistant|agent),
 *   source, feedback-up, feedback-down, handoff, notice, typing, error, retry, input, send
 *
 * Safety: visitor, model, agent and config text only ever goes in through textContent
 * (or into inert attributes such as title, aria-label and placeholder), never as HTML.
 *
 * Transport: HTTP always works. Once a session exists and the panel has been opened, a
 * WebSocket (/widget/v1/ws) carries messages, answers, a person's replies, typing and
 * handoff live; whenever it is not open, or refuses, the widget quietly uses HTTP.
 */
(function () {
  "use strict";

  // ---------------------------------------------------------------------------
  // Bootstrapping: find our <script>, the embed key and the API base.
  // ---------------------------------------------------------------------------

  if (window.__ccgptWidget) return; // already loaded on this page

  var script = document.currentScript;
  if (!script || !script.hasAttribute("data-ccgpt-key")) {
    script = document.querySelector("script[data-ccgpt-key]") || script;
  }
  var KEY = script ? (script.getAttribute("data-ccgpt-key") || "").trim() : "";
  var BASE = "";
  try {
    var scriptUrl = new URL(script.src, window.location.href);
    // Keep origin and any path prefix: https://x.com/support/widget/v1/widget.js -> https://x.com/support
    BASE = scriptUrl.origin + scriptUrl.pathname.replace(/\/widget\/v1\/widget\.js$/, "").replace(/\/+$/, "");
  } catch (e) {
    BASE = "";
  }
  if (!KEY || !BASE) {
    if (window.console) console.warn("CustomerCareGPT: the widget script needs a src and a data-ccgpt-key attribute.");
    return;
  }

  var widget = (window.__ccgptWidget = { version: "1" });

  // ---------------------------------------------------------------------------
  // Constants and wording.
  // ---------------------------------------------------------------------------

  var DEFAULT_COLOUR = "#2563EB";
  var COLOUR_RE = /^#[0-9a-fA-F]{6}$/;
  var MAX_CHARS = 4000;
  var POLL_MS = 4000;
  var SESSION_KEY = "ccgpt:session:" + KEY;
  var VISITOR_KEY = "ccgpt:visitor";
  var OPEN_KEY = "ccgpt:open:" + KEY; // sessionStorage: was the panel open
  var PING_MS = 25000; // the server closes sockets idle for 5 minutes
  var REPLY_WAIT_MS = 60000; // no outcome over the socket by then: ask again over HTTP
  var OPEN_WAIT_MS = 15000; // no "ready" by then: treat the socket as lost
  var TYPING_IDLE_MS = 3000; // the visitor stopped typing
  var SHOWN_TYPING_MS = 30000; // hide a typing indicator whose "false" frame never came
  var MAX_BACKOFF_MS = 30000;
  var MAX_FRAME_BYTES = 15000; // the server closes with 1009 above 16 KiB

  var DEFAULTS = {
    title: "Support",
    greeting: "",
    primary_color: DEFAULT_COLOUR,
    position: "bottom-right",
    placeholder: "Type your question...",
    suggested_questions: [],
    handoff_enabled: false,
    no_answer_message: "Sorry, I couldn't find an answer to that.",
    rate_limited_message: "You're sending messages quickly. Please wait a moment."
  };

  var T = {
    open: "Open chat",
    close: "Close chat",
    message: "Message",
    send: "Send message",
    typing: "Assistant is typing",
    agentTyping: "Agent is typing",
    helpful: "Helpful",
    notHelpful: "Not helpful",
    sources: "Sources",
    agent: "Agent",
    person: "Talk to a person",
    handoffNotice: "A team member will reply here.",
    unavailable: "Chat isn't available right now.",
    tryAgain: "Try again",
    notSent: "Message not sent.",
    offline: "Message not sent. Check your connection.",
    retry: "Retry",
    handoffFailed: "We couldn't reach the team just now. Please try again.",
    feedbackFailed: "We couldn't save your feedback. Please try again."
  };

  // Icons (24x24). Stroked unless noted.
  var ICON_CHAT = "M6.5 4h11A2.5 2.5 0 0 1 20 6.5v7a2.5 2.5 0 0 1-2.5 2.5H11l-4 3.5V16h-.5A2.5 2.5 0 0 1 4 13.5v-7A2.5 2.5 0 0 1 6.5 4z"; // filled
  var ICON_CLOSE = "M6 6l12 12M18 6L6 18";
  var ICON_SEND = "M12 19V5M5.5 11.5L12 5l6.5 6.5";
  var ICON_UP = "M14 9V5a3 3 0 0 0-3-3l-4 9v11h11.28a2 2 0 0 0 2-1.7l1.38-9a2 2 0 0 0-2-2.3zM7 22H4a2 2 0 0 1-2-2v-7a2 2 0 0 1 2-2h3";
  var ICON_DOWN = "M10 15v4a3 3 0 0 0 3 3l4-9V2H5.72a2 2 0 0 0-2 1.7l-1.38 9a2 2 0 0 0 2 2.3zM17 2h2.67A2.31 2.31 0 0 1 22 4v7a2.31 2.31 0 0 1-2.33 2H17";

  // ---------------------------------------------------------------------------
  // Styles. Static text only: nothing from config or messages is ever put in here.
  // ---------------------------------------------------------------------------

  var CSS = [
    ":host { all: initial; }",
    ".root { font-family: -apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif, 'Apple Color Emoji', 'Segoe UI Emoji';",
    "  font-size: 14px; line-height: 1.45; color: #111827; -webkit-font-smoothing: antialiased; }",
    ".root *, .root *::before, .root *::after { box-sizing: border-box; }",
    "[hidden] { display: none !important; }",
    "button { font: inherit; color: inherit; background: none; border: 0; margin: 0; padding: 0; cursor: pointer; }",
    "button:disabled { cursor: default; }",
    ":focus { outline: none; }",
    ":focus-visible { outline: 2px solid var(--ccgpt-primary); outline-offset: 2px; }",
    "svg { display: block; flex: none; }",

    /* Launcher */
    ".launcher { position: fixed; bottom: 20px; right: 20px; z-index: 2147483000; width: 56px; height: 56px; border-radius: 50%;",
    "  display: flex; align-items: center; justify-content: center; background: var(--ccgpt-primary); color: var(--ccgpt-on-primary);",
    "  box-shadow: 0 6px 20px rgba(17,24,39,.24), 0 2px 6px rgba(17,24,39,.14); transition: transform .15s ease, box-shadow .15s ease; }",
    ".launcher:hover { transform: scale(1.05); box-shadow: 0 8px 26px rgba(17,24,39,.28), 0 2px 6px rgba(17,24,39,.14); }",
    ".launcher:focus-visible { outline-offset: 3px; }",
    ".launcher svg { width: 30px; height: 30px; }",
    ".launcher .i-close { width: 24px; height: 24px; }",
    ".left .launcher { right: auto; left: 20px; }",

    /* Panel */
    ".panel { position: fixed; bottom: 90px; right: 20px; z-index: 2147483000; display: flex; flex-direction: column;",
    "  width: min(380px, calc(100vw - 24px)); height: min(600px, calc(100vh - 110px)); height: min(600px, calc(100dvh - 110px));",
    "  background: #fff; border-radius: 16px; overflow: hidden;",
    "  box-shadow: 0 16px 48px rgba(17,24,39,.20), 0 2px 8px rgba(17,24,39,.08); animation: ccgpt-in .18s ease-out; }",
    ".left .panel { right: auto; left: 20px; }",
    "@keyframes ccgpt-in { from { opacity: 0; transform: translateY(8px) scale(.98); } to { opacity: 1; transform: none; } }",
    ".header { flex: none; display: flex; align-items: center; gap: 8px; padding: 14px 10px 14px 18px;",
    "  background: var(--ccgpt-primary); color: var(--ccgpt-on-primary); }",
    ".title { flex: 1; min-width: 0; margin: 0; font-size: 16px; font-weight: 600; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }",
    ".icon-btn { width: 34px; height: 34px; border-radius: 8px; display: inline-flex; align-items: center; justify-content: center; }",
    ".icon-btn svg { width: 20px; height: 20px; }",
    ".header .icon-btn:hover { background: rgba(255,255,255,.18); }",
    ".header :focus-visible { outline-color: currentColor; outline-offset: 0; }",

    /* Messages */
    ".scroller { flex: 1; min-height: 0; overflow-y: auto; padding: 16px 14px; overscroll-behavior: contain; scroll-behavior: smooth; }",
    ".log, .stack { display: flex; flex-direction: column; gap: 12px; }",
    ".stack:empty { display: none; }",
    ".group { display: flex; flex-direction: column; align-items: flex-start; gap: 6px; max-width: 86%; }",
    ".group.visitor { align-self: flex-end; align-items: flex-end; }",
    ".bubble { padding: 9px 13px; border-radius: 16px 16px 16px 4px; background: #f1f3f5; color: #111827;",
    "  white-space: pre-wrap; overflow-wrap: anywhere; }",
    ".visitor .bubble { background: var(--ccgpt-primary); color: var(--ccgpt-on-primary); border-radius: 16px 16px 4px 16px; }",
    ".label { font-size: 11px; font-weight: 600; letter-spacing: .04em; text-transform: uppercase; color: #6b7280; padding: 0 4px; }",
    ".sources { display: flex; flex-direction: column; gap: 4px; max-width: 100%; }",
    ".chips { display: flex; flex-wrap: wrap; gap: 6px; }",
    ".chip { max-width: 100%; padding: 3px 10px; border: 1px solid #e5e7eb; border-radius: 999px; background: #fff; color: #374151;",
    "  font-size: 12px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }",
    ".chip:hover, .chip[aria-expanded='true'] { border-color: var(--ccgpt-primary); }",
    ".snippet { margin: 2px 0 0; padding: 6px 10px; font-size: 12px; color: #4b5563; background: #f9fafb;",
    "  border-left: 3px solid var(--ccgpt-primary); border-radius: 6px; white-space: pre-wrap; overflow-wrap: anywhere; }",
    ".feedback { display: flex; gap: 2px; margin-left: 2px; }",
    ".fb { width: 28px; height: 28px; border-radius: 8px; display: inline-flex; align-items: center; justify-content: center; color: #9ca3af; }",
    ".fb svg { width: 15px; height: 15px; }",
    ".fb:hover { color: #4b5563; background: #f3f4f6; }",
    ".fb[aria-pressed='true'] { color: var(--ccgpt-primary); }",
    ".fb[aria-pressed='true'] svg { fill: currentColor; fill-opacity: .2; }",
    ".pill { padding: 6px 12px; border: 1px solid #d1d5db; border-radius: 999px; background: #fff; color: #111827; font-size: 13px; text-align: left; }",
    ".pill:hover:not(:disabled) { border-color: var(--ccgpt-primary); background: #f9fafb; }",
    ".pill:disabled { opacity: .6; }",
    ".suggestions { display: flex; flex-wrap: wrap; gap: 6px; }",
    ".notice { align-self: center; max-width: 92%; padding: 5px 12px; border-radius: 999px; background: #f3f4f6; color: #4b5563;",
    "  font-size: 12px; text-align: center; white-space: pre-wrap; overflow-wrap: anywhere; }",
    ".err-line { display: flex; flex-wrap: wrap; align-items: center; justify-content: flex-end; gap: 8px; font-size: 12px; color: #b91c1c; }",
    ".link { font-weight: 600; text-decoration: underline; text-underline-offset: 2px; border-radius: 4px; }",

    /* Typing indicator */
    ".typing { display: inline-flex; gap: 4px; margin-top: 12px; padding: 13px 14px; border-radius: 16px 16px 16px 4px; background: #f1f3f5; }",
    ".dot { width: 6px; height: 6px; border-radius: 50%; background: #9ca3af; animation: ccgpt-dot 1.2s infinite ease-in-out; }",
    ".dot:nth-child(2) { animation-delay: .15s; }",
    ".dot:nth-child(3) { animation-delay: .3s; }",
    "@keyframes ccgpt-dot { 0%, 80%, 100% { opacity: .35; transform: translateY(0); } 40% { opacity: 1; transform: translateY(-3px); } }",

    /* Error state */
    ".fatal { flex: 1; display: flex; flex-direction: column; align-items: center; justify-content: center; gap: 14px; padding: 24px; text-align: center; color: #4b5563; }",
    ".fatal p { margin: 0; }",

    /* Composer */
    ".composer { flex: none; display: flex; align-items: flex-end; gap: 8px; padding: 10px 12px 12px; border-top: 1px solid #eef0f2; background: #fff; }",
    ".input { flex: 1; min-width: 0; height: 40px; min-height: 40px; max-height: 120px; margin: 0; padding: 9px 14px; resize: none;",
    "  font: inherit; line-height: 20px; color: #111827; background: #fff; border: 1px solid #d1d5db; border-radius: 20px; overflow-y: auto; }",
    ".input::placeholder { color: #9ca3af; }",
    ".input:focus-visible { outline-offset: 0; border-color: var(--ccgpt-primary); }",
    ".send { flex: none; width: 40px; height: 40px; border-radius: 50%; display: flex; align-items: center; justify-content: center;",
    "  background: var(--ccgpt-primary); color: var(--ccgpt-on-primary); transition: opacity .15s ease; }",
    ".send svg { width: 20px; height: 20px; }",
    ".send:disabled { opacity: .35; }",

    /* Small screens: full width with 12px margins. */
    "@media (max-width: 420px) { .panel, .left .panel { left: 12px; right: 12px; width: auto; } }",
    "@media (prefers-reduced-motion: reduce) { .dot { animation: none; opacity: .6; } .panel { animation: none; }",
    "  .launcher, .send { transition: none; } .scroller { scroll-behavior: auto; } }"
  ].join("\n");

  // ---------------------------------------------------------------------------
  // Small helpers.
  // ---------------------------------------------------------------------------

  function str(value) {
    return typeof value === "string" ? value : "";
  }

  /** createElement with attributes; `text` sets textContent, `class` sets className. */
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (name) {
        var value = attrs[name];
        if (value === null || value === undefined) return;
        if (name === "text") node.textContent = value;
        else if (name === "class") node.className = value;
        else node.setAttribute(name, String(value));
      });
    }
    (children || []).forEach(function (child) {
      if (child) node.appendChild(child);
    });
    return node;
  }

  var SVG_NS = "http://www.w3.org/2000/svg";
  function icon(d, filled, cls) {
    var svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    if (cls) svg.setAttribute("class", cls);
    if (filled) {
      svg.setAttribute("fill", "currentColor");
    } else {
      svg.setAttribute("fill", "none");
      svg.setAttribute("stroke", "currentColor");
      svg.setAttribute("stroke-width", "2");
      svg.setAttribute("stroke-linecap", "round");
      svg.setAttribute("stroke-linejoin", "round");
    }
    var path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("d", d);
    svg.appendChild(path);
    return svg;
  }

  function randomHex(bytes) {
    var out = "";
    var c = window.crypto;
    if (c && c.getRandomValues) {
      var buf = new Uint8Array(bytes);
      c.getRandomValues(buf);
      for (var i = 0; i < buf.length; i++) out += (buf[i] < 16 ? "0" : "") + buf[i].toString(16);
      return out;
    }
    while (out.length < bytes * 2) out += Math.floor(Math.random() * 16).toString(16);
    return out;
  }

  function uuid() {
    var c = window.crypto;
    if (c && typeof c.randomUUID === "function") {
      try {
        return c.randomUUID();
      } catch (e) {
        /* not a secure context: fall through */
      }
    }
    return randomHex(16);
  }

  var idCounter = 0;
  function uid(prefix) {
    idCounter += 1;
    return prefix + "-" + idCounter;
  }

  /** Storage may be blocked (privacy modes, sandboxed iframes): every access is guarded. */
  function getItem(area, name) {
    try {
      var s = window[area];
      return s ? s.getItem(name) : null;
    } catch (e) {
      return null;
    }
  }
  function setItem(area, name, value) {
    try {
      var s = window[area];
      if (!s) return;
      if (value === null) s.removeItem(name);
      else s.setItem(name, value);
    } catch (e) {
      /* storage full or blocked: the widget still works for this page view */
    }
  }

  /** White or near-black, whichever reads better on the primary colour (WCAG contrast). */
  function onColour(hex) {
    var lin = [1, 3, 5].map(function (i) {
      var v = parseInt(hex.substr(i, 2), 16) / 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    var lum = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
    return 1.05 / (lum + 0.05) >= (lum + 0.05) / 0.0625 ? "#ffffff" : "#111827";
  }

  // ---------------------------------------------------------------------------
  // HTTP. The key always travels as ?key= so CORS preflights carry it too.
  // ---------------------------------------------------------------------------

  /** A failed request. status 0: network failure, timeout, or a refused origin (no CORS headers). */
  function ApiError(status, problem) {
    var p = problem && typeof problem === "object" ? problem : {};
    this.status = status;
    this.code = str(p.code);
    this.detail = str(p.detail);
  }

  function api(method, path, body, token, timeoutMs) {
    var headers = { Accept: "application/json" };
    var init = { method: method, mode: "cors", credentials: "omit", headers: headers };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    if (token) headers["X-Session-Token"] = token;
    var timer = 0;
    if (typeof AbortController === "function") {
      var ctrl = new AbortController();
      init.signal = ctrl.signal;
      timer = setTimeout(function () {
        ctrl.abort();
      }, timeoutMs || 20000);
    }
    var url = BASE + path + "?key=" + encodeURIComponent(KEY);
    return fetch(url, init)
      .then(function (res) {
        return res.text().then(function (raw) {
          var data = null;
          if (raw) {
            try {
              data = JSON.parse(raw);
            } catch (e) {
              data = null;
            }
          }
          if (!res.ok) throw new ApiError(res.status, data);
          return data;
        });
      })
      .catch(function (err) {
        throw err instanceof ApiError ? err : new ApiError(0, null);
      })
      .finally(function () {
        clearTimeout(timer);
      });
  }

  // ---------------------------------------------------------------------------
  // Visitor and session, kept across reloads.
  // ---------------------------------------------------------------------------

  var visitorId = getItem("localStorage", VISITOR_KEY);
  if (!visitorId || !/^[A-Za-z0-9._:-]{1,128}$/.test(visitorId)) {
    visitorId = uuid();
    setItem("localStorage", VISITOR_KEY, visitorId);
  }

  function readSession() {
    var raw = getItem("localStorage", SESSION_KEY);
    if (!raw) return null;
    try {
      var s = JSON.parse(raw);
      if (s && typeof s.session_id === "string" && typeof s.session_token === "string") {
        return { session_id: s.session_id, session_token: s.session_token };
      }
    } catch (e) {
      /* corrupt entry: start over */
    }
    return null;
  }

  var session = readSession(); // created lazily, on the first message
  var creating = null;

  function forgetSession() {
    session = null;
    setItem("localStorage", SESSION_KEY, null);
    state.handoff = false;
    clearTimeout(state.pollTimer);
    dropSocket(); // it was opened for that session
  }

  function ensureSession() {
    if (session) return Promise.resolve(session);
    if (!creating) {
      creating = api("POST", "/widget/v1/sessions", { visitor_id: visitorId })
        .then(function (d) {
          if (!d || typeof d.session_id !== "string" || typeof d.session_token !== "string") {
            throw new ApiError(502, null);
          }
          session = { session_id: d.session_id, session_token: d.session_token };
          setItem("localStorage", SESSION_KEY, JSON.stringify(session));
          connect(); // a session exists now: later messages can go over a socket
          return session;
        })
        .finally(function () {
          creating = null;
        });
    }
    return creating;
  }

  /**
   * Runs call(session). When the session is no longer valid (401: token expired or key
   * rotated; 404 on a session endpoint: conversation gone) the stored session is forgotten,
   * and if `create` is set a new one is opened and the call retried once.
   */
  function withSession(call, create, goneOn404) {
    var first = create ? ensureSession() : Promise.resolve(session);
    return first.then(function (s) {
      if (!s) throw new ApiError(401, null);
      return call(s).catch(function (err) {
        var gone = err.status === 401 || (goneOn404 && err.status === 404);
        if (!gone) throw err;
        if (session === s) forgetSession();
        if (!create) throw err;
        return ensureSession().then(call);
      });
    });
  }

  function sessionPath(s, tail) {
    return "/widget/v1/sessions/" + encodeURIComponent(s.session_id) + tail;
  }

  function postMessage(pending) {
    return withSession(function (s) {
      var body = { text: pending.text, client_message_id: pending.id };
      return api("POST", sessionPath(s, "/messages"), body, s.session_token, 90000);
    }, true, true);
  }

  function fetchHistory() {
    return withSession(function (s) {
      return api("GET", sessionPath(s, "/messages"), undefined, s.session_token);
    }, false, true).then(function (d) {
      // `status` is the server's word on who holds the conversation: "bot" or "handoff".
      return { items: d && Array.isArray(d.items) ? d.items : [], status: d && d.status };
    });
  }

  function postFeedback(messageId, rating) {
    // No retry on a new session: a new session may not rate the old one's messages.
    return withSession(function (s) {
      var path = "/widget/v1/messages/" + encodeURIComponent(messageId) + "/feedback";
      return api("POST", path, { rating: rating }, s.session_token);
    }, false, false);
  }

  function postHandoff() {
    return withSession(function (s) {
      return api("POST", sessionPath(s, "/handoff"), undefined, s.session_token);
    }, true, true);
  }

  function loadConfig() {
    return api("GET", "/widget/v1/config").then(function (raw) {
      if (!raw || typeof raw !== "object") throw new ApiError(502, null);
      return normaliseConfig(raw);
    });
  }

  /** The config as the widget uses it: defaults for what is missing or malformed. */
  function normaliseConfig(raw) {
    var cfg = {};
    Object.keys(DEFAULTS).forEach(function (name) {
      cfg[name] = DEFAULTS[name];
    });
    ["title", "greeting", "placeholder", "no_answer_message", "rate_limited_message"].forEach(function (name) {
      if (typeof raw[name] === "string") cfg[name] = raw[name];
    });
    if (!cfg.title) cfg.title = DEFAULTS.title;
    if (typeof raw.primary_color === "string" && COLOUR_RE.test(raw.primary_color)) cfg.primary_color = raw.primary_color;
    cfg.position = raw.position === "bottom-left" ? "bottom-left" : "bottom-right";
    cfg.handoff_enabled = raw.handoff_enabled === true;
    if (Array.isArray(raw.suggested_questions)) {
      cfg.suggested_questions = raw.suggested_questions
        .filter(function (q) {
          return typeof q === "string" && q.trim();
        })
        .slice(0, 6);
    }
    return cfg;
  }

  // ---------------------------------------------------------------------------
  // UI state and elements.
  // ---------------------------------------------------------------------------

  var state = {
    config: DEFAULTS,
    fatal: false, // config could not be loaded: the panel shows the error state
    open: false,
    sending: false,
    started: false, // a message exists: suggestions are gone
    handoff: false, // a person holds the conversation: poll for their replies
    historyRequested: false,
    seen: {}, // ids of messages already on screen
    pollTimer: 0,
    polling: false
  };
  var ui = {};

  function build() {
    var host = el("div", { id: "ccgpt-widget" });
    var shadow = host.attachShadow({ mode: "open" });
    if (shadow.adoptedStyleSheets !== undefined && typeof CSSStyleSheet === "function") {
      try {
        var sheet = new CSSStyleSheet();
        sheet.replaceSync(CSS);
        shadow.adoptedStyleSheets = [sheet];
      } catch (e) {
        shadow.appendChild(el("style", { text: CSS }));
      }
    } else {
      shadow.appendChild(el("style", { text: CSS }));
    }

    var panelId = "ccgpt-panel";

    // Launcher: a chat bubble when closed, a cross when open.
    ui.iconOpen = icon(ICON_CHAT, true, "i-chat");
    ui.iconClose = icon(ICON_CLOSE, false, "i-close");
    ui.iconClose.setAttribute("hidden", "");
    ui.launcher = el("button", {
      type: "button",
      class: "launcher",
      "data-ccgpt": "launcher",
      "aria-label": T.open,
      "aria-expanded": "false",
      "aria-controls": panelId
    }, [ui.iconOpen, ui.iconClose]);

    // Header.
    ui.title = el("h2", { class: "title" });
    ui.close = el("button", { type: "button", class: "icon-btn", "data-ccgpt": "close", "aria-label": T.close }, [icon(ICON_CLOSE)]);
    var header = el("div", { class: "header" }, [ui.title, ui.close]);

    // Messages: greeting and suggestions, then history, then this page view's messages.
    ui.intro = el("div", { class: "stack" });
    ui.history = el("div", { class: "stack" });
    ui.live = el("div", { class: "stack" });
    ui.log = el("div", {
      class: "log",
      "data-ccgpt": "log",
      role: "log",
      "aria-live": "polite",
      "aria-relevant": "additions",
      "aria-label": "Conversation"
    }, [ui.intro, ui.history, ui.live]);
    ui.typing = el("div", { class: "typing", "data-ccgpt": "typing", role: "status", "aria-label": T.typing }, [
      el("span", { class: "dot" }),
      el("span", { class: "dot" }),
      el("span", { class: "dot" })
    ]);
    ui.typing.hidden = true;
    ui.scroller = el("div", { class: "scroller" }, [ui.log, ui.typing]);

    // Error state (config failed); filled in by showFatal().
    ui.fatal = el("div", { class: "fatal" });
    ui.fatal.hidden = true;

    // Composer.
    ui.input = el("textarea", {
      class: "input",
      "data-ccgpt": "input",
      "aria-label": T.message,
      rows: "1",
      maxlength: String(MAX_CHARS)
    });
    ui.send = el("button", { type: "button", class: "send", "data-ccgpt": "send", "aria-label": T.send }, [icon(ICON_SEND)]);
    ui.send.disabled = true;
    ui.composer = el("div", { class: "composer" }, [ui.input, ui.send]);

    ui.panel = el("div", {
      class: "panel",
      id: panelId,
      "data-ccgpt": "panel",
      role: "dialog",
      "aria-label": DEFAULTS.title
    }, [header, ui.scroller, ui.fatal, ui.composer]);
    ui.panel.hidden = true;

    ui.root = el("div", { class: "root" }, [ui.panel, ui.launcher]);
    shadow.appendChild(ui.root);
    ui.host = host;
    document.body.appendChild(host);

    // Events.
    ui.launcher.addEventListener("click", function () {
      setOpen(!state.open, true);
    });
    ui.close.addEventListener("click", function () {
      setOpen(false, true);
    });
    ui.panel.addEventListener("keydown", function (e) {
      if (e.key === "Escape" || e.key === "Esc") {
        e.preventDefault();
        e.stopPropagation();
        setOpen(false, true);
      }
    });
    ui.input.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
        e.preventDefault();
        submitInput();
      }
    });
    ui.input.addEventListener("input", function () {
      autoGrow();
      updateSend();
      noteTyping();
    });
    ui.send.addEventListener("click", submitInput);
  }

  /** Title, colour, position, placeholder, greeting and suggestions from the config. */
  function applyConfig(cfg) {
    state.config = cfg;
    var colour = COLOUR_RE.test(cfg.primary_color) ? cfg.primary_color : DEFAULT_COLOUR;
    ui.host.style.setProperty("--ccgpt-primary", colour);
    ui.host.style.setProperty("--ccgpt-on-primary", onColour(colour));
    ui.root.className = cfg.position === "bottom-left" ? "root left" : "root";
    ui.title.textContent = cfg.title;
    ui.panel.setAttribute("aria-label", cfg.title);
    ui.input.setAttribute("placeholder", cfg.placeholder);

    while (ui.intro.firstChild) ui.intro.removeChild(ui.intro.firstChild);
    ui.suggestions = null;
    if (cfg.greeting) {
      ui.intro.appendChild(el("div", { class: "group assistant" }, [
        el("div", { class: "bubble", "data-ccgpt": "greeting", text: cfg.greeting })
      ]));
    }
    if (!state.started && cfg.suggested_questions.length) {
      ui.suggestions = el("div", { class: "suggestions" });
      cfg.suggested_questions.forEach(function (q) {
        var b = el("button", { type: "button", class: "pill", "data-ccgpt": "suggestion", text: q });
        b.addEventListener("click", function () {
          send(q);
        });
        ui.suggestions.appendChild(b);
      });
      ui.intro.appendChild(ui.suggestions);
    }
  }

  // ---------------------------------------------------------------------------
  // Opening and closing.
  // ---------------------------------------------------------------------------

  function setOpen(open, byUser) {
    state.open = open;
    ui.panel.hidden = !open;
    ui.launcher.setAttribute("aria-expanded", open ? "true" : "false");
    ui.launcher.setAttribute("aria-label", open ? T.close : T.open);
    ui.iconOpen.toggleAttribute("hidden", open);
    ui.iconClose.toggleAttribute("hidden", !open);
    setItem("sessionStorage", OPEN_KEY, open ? "1" : null);
    if (open) {
      sock.allowed = true; // no sockets for visitors who never open the chat
      if (state.fatal) showFatal(); // re-announce the alert now that it can be seen
      else ensureHistory();
      scrollToEnd();
      if (byUser) {
        if (state.fatal) ui.fatalButton.focus();
        else ui.input.focus();
      }
      schedulePoll(0);
      connect();
    } else {
      clearTimeout(state.pollTimer);
      if (byUser) ui.launcher.focus();
    }
  }

  function scrollToEnd() {
    ui.scroller.scrollTop = ui.scroller.scrollHeight;
  }

  // ---------------------------------------------------------------------------
  // Messages.
  // ---------------------------------------------------------------------------

  function startConversation() {
    state.started = true;
    if (ui.suggestions && ui.suggestions.parentNode) ui.suggestions.parentNode.removeChild(ui.suggestions);
    ui.suggestions = null;
  }

  /** One message bubble, with sources, feedback and the handoff offer under answers. */
  function renderMessage(item, container) {
    var role = item.role === "visitor" || item.role === "agent" ? item.role : "assistant";
    var group = el("div", { class: "group " + role });
    if (role === "agent") group.appendChild(el("div", { class: "label", text: T.agent }));
    var bubble = el("div", { class: "bubble", "data-ccgpt": "message", "data-role": role, text: item.text });
    if (item.id !== undefined && item.id !== null && item.id !== "") {
      bubble.setAttribute("data-message-id", String(item.id));
      state.seen[item.id] = true;
    }
    group.appendChild(bubble);
    if (role === "assistant") {
      renderSources(group, item.sources);
      if (item.id && (item.action === "answered" || item.action === "no_answer")) {
        group.appendChild(feedbackRow(item.id));
      }
      if (item.action === "no_answer" && state.config.handoff_enabled && !state.handoff) {
        addHandoffButton(group);
      }
    }
    container.appendChild(group);
    startConversation();
    scrollToEnd();
    return group;
  }

  function renderSources(group, sources) {
    if (!Array.isArray(sources) || !sources.length) return;
    var chips = el("div", { class: "chips" });
    var wrap = el("div", { class: "sources" }, [el("div", { class: "label", text: T.sources }), chips]);
    var snippets = [];
    sources.slice(0, 8).forEach(function (src) {
      if (!src || typeof src !== "object") return;
      var label = str(src.title) || "Document";
      if (src.page !== null && src.page !== undefined && src.page !== "") label += " \u00b7 p. " + src.page;
      var snippet = str(src.snippet).trim();
      var chip = el("button", { type: "button", class: "chip", "data-ccgpt": "source", text: label });
      chips.appendChild(chip);
      if (!snippet) return;
      chip.setAttribute("title", snippet);
      var para = el("p", { class: "snippet", id: uid("ccgpt-snippet"), text: snippet });
      para.hidden = true;
      chip.setAttribute("aria-expanded", "false");
      chip.setAttribute("aria-controls", para.id);
      snippets.push({ chip: chip, para: para });
      wrap.appendChild(para);
      chip.addEventListener("click", function () {
        var show = para.hidden;
        snippets.forEach(function (s) {
          s.para.hidden = true;
          s.chip.setAttribute("aria-expanded", "false");
        });
        para.hidden = !show;
        chip.setAttribute("aria-expanded", show ? "true" : "false");
      });
    });
    if (chips.firstChild) group.appendChild(wrap);
  }

  function feedbackRow(messageId) {
    var current = null;
    var up = el("button", { type: "button", class: "fb", "data-ccgpt": "feedback-up", "aria-label": T.helpful, "aria-pressed": "false", title: T.helpful }, [icon(ICON_UP)]);
    var down = el("button", { type: "button", class: "fb", "data-ccgpt": "feedback-down", "aria-label": T.notHelpful, "aria-pressed": "false", title: T.notHelpful }, [icon(ICON_DOWN)]);
    function paint() {
      up.setAttribute("aria-pressed", current === "up" ? "true" : "false");
      down.setAttribute("aria-pressed", current === "down" ? "true" : "false");
    }
    function choose(rating) {
      if (current === rating) return;
      var previous = current;
      current = rating;
      paint();
      postFeedback(messageId, rating).catch(function (err) {
        if (current === rating) {
          current = previous;
          paint();
        }
        notice(err.status === 429 ? rateLimitedText(err) : T.feedbackFailed, err.status === 429 ? "rate-limited" : "error");
      });
    }
    up.addEventListener("click", function () {
      choose("up");
    });
    down.addEventListener("click", function () {
      choose("down");
    });
    return el("div", { class: "feedback" }, [up, down]);
  }

  function removeHandoffButtons() {
    var buttons = ui.log.querySelectorAll('[data-ccgpt="handoff"]');
    for (var i = 0; i < buttons.length; i++) buttons[i].parentNode.removeChild(buttons[i]);
  }

  /** "Talk to a person" under a no_answer reply; only the latest answer carries it. */
  function addHandoffButton(group) {
    removeHandoffButtons();
    var btn = el("button", { type: "button", class: "pill", "data-ccgpt": "handoff", text: T.person });
    btn.addEventListener("click", function () {
      btn.disabled = true;
      postHandoff().then(function () {
        enterHandoff(ui.live);
      }, function (err) {
        btn.disabled = false;
        notice(err.status === 429 ? rateLimitedText(err) : T.handoffFailed, err.status === 429 ? "rate-limited" : "error");
      });
    });
    group.appendChild(btn);
  }

  /** A person holds the conversation: say so once, then wait for their replies (socket or polling). */
  function enterHandoff(container) {
    if (!state.handoff) notice(T.handoffNotice, "handoff", container);
    state.handoff = true;
    removeHandoffButtons();
    schedulePoll();
    connect(); // a socket closed as idle comes back while a person may reply
  }

  /** The bot answers again: the person has handed the conversation back. */
  function leaveHandoff() {
    state.handoff = false;
    clearTimeout(state.pollTimer);
  }

  /** A short centred system line (handoff, rate limit, rejected message). */
  function notice(text, kind, container) {
    var node = el("div", { class: "notice", "data-ccgpt": "notice", "data-kind": kind, text: text });
    (container || ui.live).appendChild(node);
    scrollToEnd();
    return node;
  }

  function rateLimitedText(err) {
    return err.detail || state.config.rate_limited_message || DEFAULTS.rate_limited_message;
  }

  function showTyping(on) {
    ui.typing.hidden = !on;
    if (on) scrollToEnd();
  }

  function updateSend() {
    ui.send.disabled = state.sending || state.fatal || !ui.input.value.trim();
  }

  function autoGrow() {
    var t = ui.input;
    t.style.height = "auto";
    t.style.height = Math.min(t.scrollHeight + 2, 120) + "px";
  }

  function submitInput() {
    if (send(ui.input.value)) {
      ui.input.value = "";
      autoGrow();
      updateSend();
    }
  }

  /** Puts text the server refused back in the input, so nothing the visitor typed is lost. */
  function restoreInput(text) {
    var now = ui.input.value;
    ui.input.value = now.trim() ? text + "\n" + now : text;
    autoGrow();
    updateSend();
  }

  /** Sends a visitor message. Returns false when nothing was sent. */
  function send(raw) {
    var text = str(raw).trim().slice(0, MAX_CHARS);
    if (!text || state.sending || state.fatal) return false;
    var pending = { text: text, id: uuid() }; // the id is kept for retries of this text
    pending.group = renderMessage({ role: "visitor", text: text }, ui.live);
    deliver(pending);
    return true;
  }

  function deliver(pending) {
    state.sending = true;
    updateSend();
    ui.typing.setAttribute("aria-label", T.typing);
    showTyping(!state.handoff); // a person, not the bot, answers during a handoff
    stopTyping();
    if (!live()) connect(true); // this one goes over HTTP; an idle socket comes back for the next
    (live() ? askOverSocket(pending) : postMessage(pending)).then(function (reply) {
      state.sending = false;
      showTyping(false);
      updateSend();
      renderReply(reply || {});
    }, function (err) {
      state.sending = false;
      showTyping(false);
      updateSend();
      if (err.status === 429 || err.status === 413 || err.status === 422 || err.status === 400) {
        // Refused, not stored: take the bubble back and return the text to the input.
        if (pending.group.parentNode) pending.group.parentNode.removeChild(pending.group);
        restoreInput(pending.text);
        var text = err.status === 429 ? rateLimitedText(err) : err.detail || T.notSent;
        notice(text, err.status === 429 ? "rate-limited" : "invalid");
      } else {
        sendError(pending, err);
      }
    });
  }

  /** An error line under the visitor's bubble, with a Retry that reuses client_message_id. */
  function sendError(pending, err) {
    var retry = el("button", { type: "button", class: "link", "data-ccgpt": "retry", text: T.retry });
    var line = el("div", { class: "err-line", "data-ccgpt": "error", role: "alert" }, [
      el("span", { text: err.status === 0 ? T.offline : T.notSent }),
      retry
    ]);
    retry.addEventListener("click", function () {
      if (state.sending) return;
      if (line.parentNode) line.parentNode.removeChild(line);
      deliver(pending);
    });
    pending.group.appendChild(line);
    scrollToEnd();
  }

  function renderReply(reply) {
    var action = reply.action;
    if (action === "handoff") {
      if (reply.message_id) state.seen[reply.message_id] = true;
      enterHandoff(ui.live);
      return;
    }
    if (state.handoff) leaveHandoff(); // the bot answered, so the person handed it back
    if (reply.message_id && state.seen[reply.message_id]) return; // already came in over the socket
    var text = str(reply.answer) || (action === "no_answer" ? state.config.no_answer_message : "");
    if (!text) return;
    renderMessage({
      id: reply.message_id,
      role: "assistant",
      text: text,
      sources: reply.sources,
      action: action
    }, ui.live);
  }

  // ---------------------------------------------------------------------------
  // History (kept across reloads) and polling for a person's replies.
  // ---------------------------------------------------------------------------

  var historyPromise = null;

  function requestHistory() {
    if (!historyPromise) {
      state.historyRequested = true;
      historyPromise = fetchHistory().then(null, function () {
        return null; // no history is not an error worth showing
      });
    }
    return historyPromise;
  }

  /** On first open, pick up a session another tab may have opened since this page loaded. */
  function ensureHistory() {
    if (state.historyRequested) return;
    if (!session) session = readSession();
    if (!session) return;
    requestHistory().then(renderHistory);
  }

  function renderHistory(history) {
    if (!history) return;
    var noticeShown = false;
    history.items.forEach(function (it) {
      if (!it || typeof it !== "object") return;
      if (it.id !== undefined && it.id !== null && state.seen[it.id]) return;
      var text = str(it.text);
      if (text) {
        renderMessage({ id: it.id, role: it.role, text: text, sources: it.sources, action: it.action }, ui.history);
      } else if (it.id !== undefined && it.id !== null) {
        state.seen[it.id] = true; // the bot's silent turn during a handoff
      }
      if (it.action === "handoff" && !noticeShown) {
        notice(T.handoffNotice, "handoff", ui.history);
        noticeShown = true;
      }
    });
    if (history.status === "handoff") {
      if (noticeShown) state.handoff = true;
      enterHandoff(ui.history);
    }
    scrollToEnd();
  }

  /** Polls for a person's replies while no socket brings them. */
  function schedulePoll(delay) {
    clearTimeout(state.pollTimer);
    if (!state.handoff || !state.open || !session || state.polling || live()) return;
    state.pollTimer = setTimeout(poll, delay === undefined ? POLL_MS : delay);
  }

  function showAgent(id, text) {
    if (id !== undefined && id !== null && id !== "" && !state.seen[id] && str(text)) {
      renderMessage({ id: id, role: "agent", text: text }, ui.live);
    }
  }

  function poll() {
    state.polling = true;
    fetchHistory().then(function (history) {
      if (history.status === "bot") {
        state.handoff = false; // handed back to the bot: stop polling
        return;
      }
      history.items.forEach(function (it) {
        if (it && it.role === "agent") showAgent(it.id, it.text);
      });
    }, function () {
      /* try again on the next tick; a 401 has already stopped the handoff */
    }).then(function () {
      state.polling = false;
      schedulePoll();
    });
  }

  // ---------------------------------------------------------------------------
  // WebSocket: answers, a person's replies, typing and handoff, live. Opened only once a
  // session exists and the panel has been opened in this page; HTTP is the fallback for
  // everything, so a socket that is missing, refused or lost costs nothing but speed.
  // ---------------------------------------------------------------------------

  var sock = {
    ws: null, // the socket, while connecting or open
    session: null, // the session it was opened for
    ready: false, // "ready" received: messages may go over it
    allowed: false, // the panel has been opened in this page
    off: false, // HTTP only for the rest of this page (refused, too many sockets, frame too big)
    idle: false, // closed as idle (4408): reopened when needed, not at once
    backoff: 0, // the next reconnect delay after an abnormal close, ms
    refusals: 0, // 4401s with no "ready" between them
    waiting: null, // the message sent over the socket, until its outcome
    typing: false, // a typing:true frame was sent and not yet taken back
    retryTimer: 0,
    openTimer: 0,
    pingTimer: 0,
    typingTimer: 0,
    shownTimer: 0
  };

  function live() {
    return !!(sock.ws && sock.ready && sock.ws.readyState === 1);
  }

  function wsSend(frame) {
    if (!live()) return false;
    try {
      sock.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
      return true;
    } catch (e) {
      return false;
    }
  }

  /** Opens the socket when it is wanted and allowed. `sending`: the visitor is sending now. */
  function connect(sending) {
    if (sock.ws || sock.off || !sock.allowed || !session || state.fatal || sock.retryTimer) return;
    if (typeof WebSocket !== "function") return;
    if (sock.idle && !sending && !(state.open && state.handoff)) return;
    var s = session;
    var url = BASE.replace(/^http/, "ws") + "/widget/v1/ws?key=" + encodeURIComponent(KEY) +
      "&session_id=" + encodeURIComponent(s.session_id) +
      "&session_token=" + encodeURIComponent(s.session_token);
    var ws;
    try {
      ws = new WebSocket(url);
    } catch (e) {
      sock.off = true; // refused outright (a CSP, mixed content): HTTP it is
      return;
    }
    sock.ws = ws;
    sock.session = s;
    sock.ready = false;
    sock.idle = false;
    sock.openTimer = setTimeout(function () {
      if (ws === sock.ws && !sock.ready) lost(1006);
    }, OPEN_WAIT_MS);
    ws.onmessage = function (ev) {
      if (ws === sock.ws) onFrame(ev.data);
    };
    ws.onclose = function (ev) {
      if (ws === sock.ws) lost(ev.code);
    };
  }

  /** Closes the socket (if any) and hands a message still waiting on it to HTTP. */
  function dropSocket() {
    var ws = sock.ws;
    if (!ws) return;
    sock.ws = null;
    sock.ready = false;
    sock.typing = false;
    clearTimeout(sock.openTimer);
    clearTimeout(sock.typingTimer);
    clearInterval(sock.pingTimer);
    ws.onmessage = ws.onclose = null;
    try {
      ws.close(1000);
    } catch (e) {
      /* already closing */
    }
    if (sock.waiting) sock.waiting.fallBack();
    frameTyping(false);
  }

  /** The socket closed (or never opened): HTTP from now on, and perhaps a new socket later. */
  function lost(code) {
    if (code === 4401) {
      // Bad or expired credentials, or a rotated key: forget the session like an HTTP 401 does.
      // Twice in a row without a "ready" and sockets are given up for this page.
      sock.refusals += 1;
      if (sock.refusals > 1) sock.off = true;
      if (session === sock.session) forgetSession();
    }
    dropSocket();
    if (code === 4403 || code === 4429 || code === 1009) {
      sock.off = true; // origin refused, too many sockets, frame too big: HTTP for this page
    } else if (code === 4408) {
      sock.idle = true; // reopened on the next message, or now if a person may reply
      connect();
    } else if (code !== 4401) {
      retryLater();
    }
    schedulePoll(); // polling covers a handoff until a socket is back
  }

  /** Reconnects after 1 s, 2 s, 4 s ... 30 s, while the panel is open (else when it next opens). */
  function retryLater() {
    if (!state.open || sock.off) return;
    var delay = sock.backoff || 1000;
    sock.backoff = Math.min(delay * 2, MAX_BACKOFF_MS);
    sock.retryTimer = setTimeout(function () {
      sock.retryTimer = 0;
      if (state.open) connect();
    }, delay);
  }

  function onFrame(raw) {
    var f = null;
    try {
      f = JSON.parse(raw);
    } catch (e) {
      /* not JSON: ignored */
    }
    if (!f || typeof f !== "object") return;
    var w = sock.waiting;
    if (f.type === "ready") {
      sock.ready = true;
      sock.backoff = 0;
      sock.refusals = 0;
      clearTimeout(sock.openTimer);
      clearTimeout(state.pollTimer); // replies arrive live now
      sock.pingTimer = setInterval(function () {
        wsSend({ type: "ping" });
      }, PING_MS);
      // After the stored history is on screen, so a handoff notice is not shown twice.
      (historyPromise || Promise.resolve()).then(function () {
        if (!live()) return;
        if (f.status === "handoff") {
          enterHandoff(ui.live);
          if (!state.polling) poll(); // once: replies sent while no socket was open
        } else if (f.status === "bot" && state.handoff) {
          leaveHandoff();
        }
      });
    } else if (f.type === "typing") {
      frameTyping(f.state === true, f.from);
    } else if (f.type === "message") {
      var reply = { message_id: f.message_id, answer: f.text, sources: f.sources, confidence: f.confidence, action: f.action };
      if (w && (f.reply_to === w.id || (f.role === "assistant" && !f.reply_to))) {
        w.reply(reply); // without reply_to: the broadcast of this answer got here first
      } else if (f.role === "agent") {
        frameTyping(false);
        showAgent(f.message_id, f.text);
      } else if (f.role === "assistant") {
        // Most likely the answer to a message on its way over HTTP (which then shows nothing new).
        showTyping(false);
        renderReply(reply);
      }
    } else if (f.type === "handoff") {
      if (f.state === true) {
        enterHandoff(ui.live);
        if (w) w.reply({ action: "handoff" }); // the message went to the person
      } else if (f.state === false && state.handoff) {
        leaveHandoff();
      }
    } else if (f.type === "error" && w && f.client_message_id === w.id) {
      var code = str(f.code);
      if (code === "unauthorized" || code === "invalid_credentials" || code === "not_found") {
        w.fallBack(); // HTTP renews the session and asks again
      } else {
        var status = { rate_limited: 429, validation_error: 422, payload_too_large: 413 }[code] || 500;
        w.fail(new ApiError(status, f));
      }
    }
  }

  /** Sends a message over the socket; settles like postMessage, or hands it to HTTP. */
  function askOverSocket(pending) {
    return new Promise(function (resolve, reject) {
      var w = { id: pending.id };
      function settle() {
        clearTimeout(w.timer);
        if (sock.waiting === w) sock.waiting = null;
      }
      w.reply = function (reply) {
        settle();
        resolve(reply);
      };
      w.fail = function (err) {
        settle();
        reject(err);
      };
      w.fallBack = function () {
        // The same text and client_message_id: the server answers a retry once.
        settle();
        resolve(postMessage(pending));
      };
      sock.waiting = w;
      w.timer = setTimeout(w.fallBack, REPLY_WAIT_MS);
      var frame = JSON.stringify({ type: "message", text: pending.text, client_message_id: pending.id });
      var size = typeof TextEncoder === "function" ? new TextEncoder().encode(frame).length : frame.length * 3;
      if (size > MAX_FRAME_BYTES || !wsSend(frame)) w.fallBack();
    });
  }

  /** Typing frames from the bot or an agent; the indicator stays up while our answer is due. */
  function frameTyping(on, from) {
    if (!ui.typing) return;
    clearTimeout(sock.shownTimer);
    if (on) {
      ui.typing.setAttribute("aria-label", from === "agent" ? T.agentTyping : T.typing);
      sock.shownTimer = setTimeout(function () {
        frameTyping(false);
      }, SHOWN_TYPING_MS);
    }
    showTyping(on || (state.sending && !state.handoff));
  }

  /** The visitor's typing: true when they start, false after a pause or on send. */
  function noteTyping() {
    clearTimeout(sock.typingTimer);
    if (!ui.input.value.trim()) {
      stopTyping();
      return;
    }
    if (!sock.typing) sock.typing = wsSend({ type: "typing", state: true });
    if (sock.typing) sock.typingTimer = setTimeout(stopTyping, TYPING_IDLE_MS);
  }

  function stopTyping() {
    clearTimeout(sock.typingTimer);
    if (!sock.typing) return;
    sock.typing = false;
    wsSend({ type: "typing", state: false });
  }

  // Leaving the page (or entering the back/forward cache) closes the socket; coming back reopens it.
  window.addEventListener("pagehide", dropSocket);
  window.addEventListener("pageshow", function (e) {
    if (e.persisted) connect();
  });

  // ---------------------------------------------------------------------------
  // Error state: config failed (origin refused, network down, server error).
  // ---------------------------------------------------------------------------

  function showFatal() {
    state.fatal = true;
    updateSend();
    ui.scroller.hidden = true;
    ui.composer.hidden = true;
    while (ui.fatal.firstChild) ui.fatal.removeChild(ui.fatal.firstChild);
    ui.fatalButton = el("button", { type: "button", class: "pill", "data-ccgpt": "retry", text: T.tryAgain });
    ui.fatalButton.addEventListener("click", retryConfig);
    ui.fatal.appendChild(el("p", { "data-ccgpt": "error", role: "alert", text: T.unavailable }));
    ui.fatal.appendChild(ui.fatalButton);
    ui.fatal.hidden = false;
  }

  function retryConfig() {
    ui.fatalButton.disabled = true;
    loadConfig().then(function (cfg) {
      state.fatal = false;
      ui.fatal.hidden = true;
      while (ui.fatal.firstChild) ui.fatal.removeChild(ui.fatal.firstChild);
      ui.scroller.hidden = false;
      ui.composer.hidden = false;
      applyConfig(cfg);
      updateSend();
      historyPromise = null;
      state.historyRequested = false;
      ensureHistory();
      connect();
      if (state.open) ui.input.focus();
    }, function () {
      showFatal();
      ui.fatalButton.focus();
    });
  }

  // ---------------------------------------------------------------------------
  // Start: fetch config (and history, when a session is stored) while the page loads,
  // then build once both the config has settled and <body> exists.
  // ---------------------------------------------------------------------------

  var configPromise = loadConfig().then(
    function (cfg) {
      return { cfg: cfg };
    },
    function (err) {
      return { err: err };
    }
  );
  if (session) requestHistory();

  var bodyReady = new Promise(function (resolve) {
    if (document.body) resolve();
    else document.addEventListener("DOMContentLoaded", resolve, { once: true });
  });

  Promise.all([configPromise, bodyReady]).then(function (results) {
    var result = results[0];
    build();
    applyConfig(result.cfg || DEFAULTS);
    if (result.err) showFatal();
    else if (session) requestHistory().then(renderHistory);
    updateSend();
    if (getItem("sessionStorage", OPEN_KEY) === "1") setOpen(true, false);

    // A tiny API for site owners: open/close the chat from their own buttons.
    widget.open = function () {
      setOpen(true, true);
    };
    widget.close = function () {
      setOpen(false, false);
    };
    widget.toggle = function () {
      setOpen(!state.open, true);
    };
    // For the console's preview frame: show settings that are not saved yet, nothing stored.
    widget.preview = function (raw, open) {
      if (raw && typeof raw === "object") applyConfig(normaliseConfig(raw));
      if (open && !state.open) setOpen(true, false);
    };
  });
})();
