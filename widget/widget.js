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
 *
 * One file, three parts that only talk through callbacks, and the wiring between them:
 *   transport  HTTP calls, the session credentials, and the socket as a state machine;
 *              knows the wire, not the screen.
 *   store      the conversation as this page knows it: who holds it, what is being sent,
 *              which message ids are on screen; no DOM, no network.
 *   view       the DOM; turns clicks and keys into intents, draws what it is told.
 *   wiring     (at the end) hears each part and tells the others.
 * Limits (message length, visitor id pattern, socket frame size) come from
 * GET /widget/v1/config: the server's own numbers, never copies.
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

  var DEFAULTS = {
    title: "Support",
    greeting: "",
    primary_color: DEFAULT_COLOUR,
    position: "bottom-right",
    placeholder: "Type your question...",
    suggested_questions: [],
    handoff_enabled: false,
    no_answer_message: "Sorry, I couldn't find an answer to that.",
    rate_limited_message: "You're sending messages quickly. Please wait a moment.",
    // From the config's `limits`; 0 or null while unknown, and then the server alone decides.
    limits: { messageMaxChars: 0, visitorIdPattern: null, frameMaxBytes: 0 }
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
  /** An inline icon. opts: {filled: a filled shape rather than a stroke, cls: its class}. */
  function icon(d, opts) {
    var o = opts || {};
    var svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    if (o.cls) svg.setAttribute("class", o.cls);
    if (o.filled) {
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

  // ===========================================================================
  // TRANSPORT, part 1: HTTP. The key always travels as ?key= so CORS preflights carry it
  // too. The session's credentials live here, kept across reloads.
  // ===========================================================================

  /** A failed request. status 0: network failure, timeout, or a refused origin (no CORS headers). */
  function ApiError(status, problem) {
    var p = problem && typeof problem === "object" ? problem : {};
    this.status = status;
    this.code = str(p.code);
    this.detail = str(p.detail);
  }

  /** One call; resolves with the JSON body (or null). opts: {body, token, timeoutMs}. */
  function request(method, path, opts) {
    var o = opts || {};
    // o.onToken: ask for the answer as server-sent events, and hear each piece as it comes.
    var streaming = !!o.onToken && typeof ReadableStream === "function" && typeof TextDecoder === "function";
    var headers = { Accept: streaming ? "text/event-stream, application/json" : "application/json" };
    var init = { method: method, mode: "cors", credentials: "omit", headers: headers };
    if (o.body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(o.body);
    }
    if (o.token) headers["X-Session-Token"] = o.token;
    var timer = 0;
    if (typeof AbortController === "function") {
      var ctrl = new AbortController();
      init.signal = ctrl.signal;
      timer = setTimeout(function () {
        ctrl.abort();
      }, o.timeoutMs || 20000);
    }
    var url = BASE + path + "?key=" + encodeURIComponent(KEY);
    return fetch(url, init)
      .then(function (res) {
        var type = res.headers.get("Content-Type") || "";
        if (streaming && res.ok && res.body && type.indexOf("text/event-stream") === 0) {
          return readEvents(res.body, o.onToken);
        }
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

  /**
   * Reads server-sent events: `token` data goes to onToken as it arrives; the `message`
   * event's data is the answer; an `error` event rejects like an HTTP error would.
   */
  function readEvents(body, onToken) {
    var reader = body.getReader();
    var decoder = new TextDecoder();
    var buffer = "";
    return new Promise(function (resolve, reject) {
      function handle(block) {
        var kind = "message";
        var data = "";
        block.split(/\r?\n/).forEach(function (line) {
          if (line.indexOf("event:") === 0) kind = line.slice(6).trim();
          else if (line.indexOf("data:") === 0) data += line.slice(5).trim();
        });
        if (!data) return false;
        var parsed = null;
        try {
          parsed = JSON.parse(data);
        } catch (e) {
          return false;
        }
        if (kind === "token") onToken(parsed);
        else if (kind === "message") resolve(parsed);
        else if (kind === "error") reject(new ApiError(500, parsed));
        return kind === "message" || kind === "error";
      }
      function pump() {
        reader.read().then(function (chunk) {
          if (chunk.done) {
            reject(new ApiError(0, null)); // ended without its answer
            return;
          }
          buffer += decoder.decode(chunk.value, { stream: true });
          var blocks = buffer.split(/\r?\n\r?\n/);
          buffer = blocks.pop();
          for (var i = 0; i < blocks.length; i++) {
            if (handle(blocks[i])) {
              reader.cancel().catch(function () {});
              return;
            }
          }
          pump();
        }, function () {
          reject(new ApiError(0, null));
        });
      }
      pump();
    });
  }

  function positiveInt(value) {
    return typeof value === "number" && isFinite(value) && value >= 1 ? Math.floor(value) : 0;
  }

  /** The server's limits; whatever is missing or odd stays unknown (0 or null). */
  function readLimits(raw) {
    var l = raw && typeof raw === "object" ? raw : {};
    var pattern = null;
    if (typeof l.visitor_id_pattern === "string" && l.visitor_id_pattern) {
      try {
        pattern = new RegExp(l.visitor_id_pattern);
      } catch (e) {
        pattern = null;
      }
    }
    return {
      messageMaxChars: positiveInt(l.message_max_chars),
      visitorIdPattern: pattern,
      frameMaxBytes: positiveInt(l.frame_max_bytes)
    };
  }

  /** The config from the server: a body that is not an object is a bad gateway. */
  function readConfig(raw) {
    if (!raw || typeof raw !== "object") throw new ApiError(502, null);
    return normaliseConfig(raw);
  }

  /** The embed code's settings, checked field by field: anything odd keeps its default. */
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
    cfg.limits = readLimits(raw.limits);
    return cfg;
  }

  function readStoredSession() {
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

  /**
   * The widget API over HTTP. The session is created lazily, on the first message.
   * hooks: visitorId() -> string; onSessionStarted(session); onSessionForgotten(session).
   */
  function createHttp(hooks) {
    var session = readStoredSession();
    var creating = null;

    function forgetSession() {
      var gone = session;
      session = null;
      setItem("localStorage", SESSION_KEY, null);
      hooks.onSessionForgotten(gone);
    }

    function startSession() {
      if (session) return Promise.resolve(session);
      if (!creating) {
        creating = request("POST", "/widget/v1/sessions", { body: { visitor_id: hooks.visitorId() } })
          .then(function (d) {
            if (!d || typeof d.session_id !== "string" || typeof d.session_token !== "string") {
              throw new ApiError(502, null);
            }
            session = { session_id: d.session_id, session_token: d.session_token };
            setItem("localStorage", SESSION_KEY, JSON.stringify(session));
            hooks.onSessionStarted(session);
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
     * rotated; with opts.goneOn404, a 404: conversation gone) the stored session is forgotten,
     * and with opts.create a new one is opened and the call tried once more.
     */
    function withSession(call, opts) {
      var o = opts || {};
      var first = o.create ? startSession() : Promise.resolve(session);
      return first.then(function (s) {
        if (!s) throw new ApiError(401, null);
        return call(s).catch(function (err) {
          var gone = err.status === 401 || (o.goneOn404 && err.status === 404);
          if (!gone) throw err;
          if (session === s) forgetSession();
          if (!o.create) throw err;
          return startSession().then(call);
        });
      });
    }

    function sessionPath(s, tail) {
      return "/widget/v1/sessions/" + encodeURIComponent(s.session_id) + tail;
    }

    return {
      session: function () {
        return session;
      },
      /** Picks up a session another tab may have opened since this page loaded. */
      pickUpSession: function () {
        if (!session) session = readStoredSession();
        return session;
      },
      /** Forgets `s` if it is still the current session (the socket refused it). */
      forgetSessionIf: function (s) {
        if (s && session === s) forgetSession();
      },
      config: function () {
        return request("GET", "/widget/v1/config").then(readConfig);
      },
      /** onToken(piece): hears the answer as it is written (server-sent events). */
      sendMessage: function (text, clientMessageId, onToken) {
        return withSession(function (s) {
          var body = { text: text, client_message_id: clientMessageId };
          return request("POST", sessionPath(s, "/messages"), {
            body: body,
            token: s.session_token,
            timeoutMs: 90000,
            onToken: onToken
          });
        }, { create: true, goneOn404: true });
      },
      history: function () {
        return withSession(function (s) {
          return request("GET", sessionPath(s, "/messages"), { token: s.session_token });
        }, { goneOn404: true }).then(function (d) {
          // `status` is the server's word on who holds the conversation: "bot" or "handoff".
          return { items: d && Array.isArray(d.items) ? d.items : [], status: d && d.status };
        });
      },
      feedback: function (messageId, rating) {
        // No retry on a new session: a new session may not rate the old one's messages.
        return withSession(function (s) {
          var path = "/widget/v1/messages/" + encodeURIComponent(messageId) + "/feedback";
          return request("POST", path, { body: { rating: rating }, token: s.session_token });
        });
      },
      handoff: function () {
        return withSession(function (s) {
          return request("POST", sessionPath(s, "/handoff"), { token: s.session_token });
        }, { create: true, goneOn404: true });
      }
    };
  }

  // ===========================================================================
  // TRANSPORT, part 2: the WebSocket, as a state machine.
  //
  //   idle ------> connecting ---"ready"---> open
  //    ^  ^            |                      |
  //    |  |            +------ lost ----------+--> backoff --(1 s, 2 s ... 30 s)--> idle
  //    |  |            |                      |
  //    |  +------------+--- closed by us -----+    (page hidden, session forgotten)
  //    |               |                      |
  //    |               +-- 4408 (idle) -------+--> sleeping: reopened only when wanted
  //    |               +-- 4403/4429/1009 ----+--> off: HTTP for the rest of this page
  //
  // Lost with the panel closed goes to idle (reopened when the panel next opens); a 4401
  // goes to idle, or to off when it follows another 4401 with no "ready" between them.
  // ===========================================================================

  var SOCKET_MOVES = {
    idle: ["connecting", "off"],
    connecting: ["open", "idle", "backoff", "sleeping", "off"],
    open: ["idle", "backoff", "sleeping", "off"],
    backoff: ["idle", "off"],
    sleeping: ["connecting", "idle", "off"],
    off: []
  };

  /**
   * hooks: url(session) -> string; keepTrying() -> bool (reconnect after a loss now, not later);
   * onState(next, previous); onFrame(frame); onRefused(session) (a 4401); onRetry() (backoff over).
   */
  function createSocket(hooks) {
    var s = { state: "idle", ws: null, session: null, backoffMs: 0, refusals: 0 };
    var timers = { open: 0, ping: 0, retry: 0 };

    function move(next) {
      var previous = s.state;
      if (previous === next) return;
      if (SOCKET_MOVES[previous].indexOf(next) < 0) {
        // A bug, not a network event: say so, and fall back on HTTP rather than guess.
        if (window.console) console.error("CustomerCareGPT: no socket move from " + previous + " to " + next);
        next = "off";
        if (previous === next) return;
      }
      s.state = next;
      hooks.onState(next, previous);
    }

    function live() {
      return s.state === "open" && !!s.ws && s.ws.readyState === 1;
    }

    function send(frame) {
      if (!live()) return false;
      try {
        s.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
        return true;
      } catch (e) {
        return false;
      }
    }

    /** Lets go of the socket object (closing it if need be), without changing state. */
    function detach() {
      var ws = s.ws;
      clearTimeout(timers.open);
      clearInterval(timers.ping);
      if (!ws) return;
      s.ws = null;
      ws.onmessage = ws.onclose = null;
      try {
        ws.close(1000);
      } catch (e) {
        /* already closing */
      }
    }

    /** Opens a socket for `session`. opts.wake: also reopen one the server closed as idle. */
    function connect(session, opts) {
      var o = opts || {};
      if (s.state !== "idle" && !(s.state === "sleeping" && o.wake)) return;
      if (typeof WebSocket !== "function") return;
      var ws;
      try {
        ws = new WebSocket(hooks.url(session));
      } catch (e) {
        move("off"); // refused outright (a CSP, mixed content): HTTP it is
        return;
      }
      s.ws = ws;
      s.session = session;
      move("connecting");
      timers.open = setTimeout(function () {
        if (ws === s.ws && s.state === "connecting") lost(1006);
      }, OPEN_WAIT_MS);
      ws.onmessage = function (ev) {
        if (ws === s.ws) receive(ev.data);
      };
      ws.onclose = function (ev) {
        if (ws === s.ws) lost(ev.code);
      };
    }

    /** We close it: the page is hidden or the session it was opened for is gone. */
    function close() {
      clearTimeout(timers.retry);
      if (s.state !== "connecting" && s.state !== "open" && s.state !== "backoff") return;
      detach();
      move("idle");
    }

    function lost(code) {
      detach();
      if (code === 4401) {
        // Bad or expired credentials, or a rotated key: the session is forgotten like after
        // an HTTP 401. Twice in a row without a "ready" and sockets are given up for this page.
        s.refusals += 1;
        var next = s.refusals > 1 ? "off" : "idle";
        hooks.onRefused(s.session);
        move(next);
      } else if (code === 4403 || code === 4429 || code === 1009) {
        move("off"); // origin refused, too many sockets, frame too big
      } else if (code === 4408) {
        move("sleeping");
      } else if (hooks.keepTrying()) {
        backoff();
      } else {
        move("idle");
      }
    }

    /** Reconnects after 1 s, 2 s, 4 s ... 30 s. */
    function backoff() {
      var delay = s.backoffMs || 1000;
      s.backoffMs = Math.min(delay * 2, MAX_BACKOFF_MS);
      move("backoff");
      timers.retry = setTimeout(function () {
        move("idle");
        hooks.onRetry();
      }, delay);
    }

    function receive(raw) {
      var frame = null;
      try {
        frame = JSON.parse(raw);
      } catch (e) {
        /* not JSON: ignored */
      }
      if (!frame || typeof frame !== "object") return;
      if (frame.type === "ready") {
        s.backoffMs = 0;
        s.refusals = 0;
        clearTimeout(timers.open);
        clearInterval(timers.ping);
        timers.ping = setInterval(function () {
          send({ type: "ping" });
        }, PING_MS);
        move("open");
      }
      hooks.onFrame(frame);
    }

    return {
      state: function () {
        return s.state;
      },
      live: live,
      send: send,
      connect: connect,
      close: close
    };
  }

  // ===========================================================================
  // STORE: the conversation as this page knows it. No DOM and no network: it changes when
  // told to and says what changed through onChange(name, value, previous).
  // ===========================================================================

  function hasId(id) {
    return id !== undefined && id !== null && id !== "";
  }

  function createStore(onChange) {
    var store = {
      config: DEFAULTS,
      fatal: false, // config could not be loaded: the panel shows the error state
      open: false, // the panel is open
      opened: false, // the panel has been opened in this page (no sockets before that)
      sending: false, // a visitor message is on its way
      started: false, // a message exists: suggestions are gone
      handoff: false, // a person holds the conversation
      seen: {}, // ids of messages already on screen
      pending: {}, // client_message_id -> {id, text, group}: sent, no outcome yet (or failed)
      awaiting: null, // the pending message whose outcome is due over the socket

      /** Changes fields; onChange hears of each one that really changed. */
      set: function (changes) {
        Object.keys(changes).forEach(function (name) {
          var previous = store[name];
          if (previous === changes[name]) return;
          store[name] = changes[name];
          onChange(name, changes[name], previous);
        });
      },
      see: function (id) {
        if (hasId(id)) store.seen[id] = true;
      },
      hasSeen: function (id) {
        return hasId(id) && store.seen[id] === true;
      },
      /** A visitor message to send; its client_message_id is kept for retries of this text. */
      addPending: function (text) {
        var pending = { id: uuid(), text: text, group: null };
        store.pending[pending.id] = pending;
        return pending;
      },
      settle: function (pending) {
        delete store.pending[pending.id];
      },
      /** Text cut to the server's message limit, when known. */
      clip: function (text) {
        var max = store.config.limits.messageMaxChars;
        return max ? text.slice(0, max) : text;
      }
    };
    return store;
  }

  // ===========================================================================
  // VIEW: the DOM. It draws what it is told and turns clicks and keys into intents.
  // hooks: onToggle(); onClose(); onSubmit(text); onInput(); onSuggestion(text);
  //        onFeedback(messageId, rating) -> Promise; onHandoff() -> Promise; onRetryConfig().
  // ===========================================================================

  function createView(hooks) {
    var ui = {};

    function mount() {
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
      ui.iconOpen = icon(ICON_CHAT, { filled: true, cls: "i-chat" });
      ui.iconClose = icon(ICON_CLOSE, { cls: "i-close" });
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

      // Composer. Its maxlength comes from the config's limits (applyConfig).
      ui.input = el("textarea", { class: "input", "data-ccgpt": "input", "aria-label": T.message, rows: "1" });
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

      // Intents.
      ui.launcher.addEventListener("click", function () {
        hooks.onToggle();
      });
      ui.close.addEventListener("click", function () {
        hooks.onClose();
      });
      ui.panel.addEventListener("keydown", function (e) {
        if (e.key === "Escape" || e.key === "Esc") {
          e.preventDefault();
          e.stopPropagation();
          hooks.onClose();
        }
      });
      ui.input.addEventListener("keydown", function (e) {
        if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
          e.preventDefault();
          hooks.onSubmit(ui.input.value);
        }
      });
      ui.input.addEventListener("input", function () {
        autoGrow();
        hooks.onInput();
      });
      ui.send.addEventListener("click", function () {
        hooks.onSubmit(ui.input.value);
      });
    }

    /** Title, colour, position, placeholder, limits, greeting and (opts.suggestions) suggestions. */
    function applyConfig(cfg, opts) {
      var o = opts || {};
      var colour = COLOUR_RE.test(cfg.primary_color) ? cfg.primary_color : DEFAULT_COLOUR;
      ui.host.style.setProperty("--ccgpt-primary", colour);
      ui.host.style.setProperty("--ccgpt-on-primary", onColour(colour));
      ui.root.className = cfg.position === "bottom-left" ? "root left" : "root";
      ui.title.textContent = cfg.title;
      ui.panel.setAttribute("aria-label", cfg.title);
      ui.input.setAttribute("placeholder", cfg.placeholder);
      if (cfg.limits.messageMaxChars) ui.input.setAttribute("maxlength", String(cfg.limits.messageMaxChars));
      else ui.input.removeAttribute("maxlength");

      while (ui.intro.firstChild) ui.intro.removeChild(ui.intro.firstChild);
      ui.suggestions = null;
      if (cfg.greeting) {
        ui.intro.appendChild(el("div", { class: "group assistant" }, [
          el("div", { class: "bubble", "data-ccgpt": "greeting", text: cfg.greeting })
        ]));
      }
      if (o.suggestions && cfg.suggested_questions.length) {
        ui.suggestions = el("div", { class: "suggestions" });
        cfg.suggested_questions.forEach(function (q) {
          var b = el("button", { type: "button", class: "pill", "data-ccgpt": "suggestion", text: q });
          b.addEventListener("click", function () {
            hooks.onSuggestion(q);
          });
          ui.suggestions.appendChild(b);
        });
        ui.intro.appendChild(ui.suggestions);
      }
    }

    /** Shows or hides the panel; opts.open says which. */
    function showPanel(opts) {
      var open = !!opts.open;
      ui.panel.hidden = !open;
      ui.launcher.setAttribute("aria-expanded", open ? "true" : "false");
      ui.launcher.setAttribute("aria-label", open ? T.close : T.open);
      ui.iconOpen.toggleAttribute("hidden", open);
      ui.iconClose.toggleAttribute("hidden", !open);
      if (open) scrollToEnd();
    }

    /** Moves focus to "input", "launcher" or the error state's "retry". */
    function focus(what) {
      var target = { input: ui.input, launcher: ui.launcher, retry: ui.fatalButton }[what];
      if (target) target.focus();
    }

    function scrollToEnd() {
      ui.scroller.scrollTop = ui.scroller.scrollHeight;
    }

    function hideSuggestions() {
      if (ui.suggestions && ui.suggestions.parentNode) ui.suggestions.parentNode.removeChild(ui.suggestions);
      ui.suggestions = null;
    }

    /**
     * One message bubble. item: {id, role, text, sources}. opts: {into: "history"|"live",
     * feedback: offer thumbs, offerHandoff: offer "Talk to a person"}. Returns its group.
     */
    function message(item, opts) {
      var o = opts || {};
      var role = item.role;
      var group = el("div", { class: "group " + role });
      if (role === "agent") group.appendChild(el("div", { class: "label", text: T.agent }));
      var bubble = el("div", { class: "bubble", "data-ccgpt": "message", "data-role": role, text: item.text });
      if (hasId(item.id)) bubble.setAttribute("data-message-id", String(item.id));
      group.appendChild(bubble);
      if (role === "assistant") {
        renderSources(group, item.sources);
        if (o.feedback) group.appendChild(feedbackRow(item.id));
        if (o.offerHandoff) addHandoffButton(group);
      }
      ui[o.into === "history" ? "history" : "live"].appendChild(group);
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

    /** Thumbs up and down; a choice the server refuses is taken back. */
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
        hooks.onFeedback(messageId, rating).then(null, function () {
          if (current === rating) {
            current = previous;
            paint();
          }
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

    function removeHandoffOffers() {
      var buttons = ui.log.querySelectorAll('[data-ccgpt="handoff"]');
      for (var i = 0; i < buttons.length; i++) buttons[i].parentNode.removeChild(buttons[i]);
    }

    /** "Talk to a person" under a no_answer reply; only the latest answer carries it. */
    function addHandoffButton(group) {
      removeHandoffOffers();
      var btn = el("button", { type: "button", class: "pill", "data-ccgpt": "handoff", text: T.person });
      btn.addEventListener("click", function () {
        btn.disabled = true;
        hooks.onHandoff().then(null, function () {
          btn.disabled = false;
        });
      });
      group.appendChild(btn);
    }

    /** A short centred system line (handoff, rate limit, rejected message). opts: {kind, into}. */
    function notice(text, opts) {
      var o = opts || {};
      var node = el("div", { class: "notice", "data-ccgpt": "notice", "data-kind": o.kind, text: text });
      ui[o.into === "history" ? "history" : "live"].appendChild(node);
      scrollToEnd();
      return node;
    }

    /** The typing dots. opts: {shown, from: "agent" for a person typing, else the assistant}. */
    function typing(opts) {
      if (!ui.typing) return;
      if (opts.from !== undefined) ui.typing.setAttribute("aria-label", opts.from === "agent" ? T.agentTyping : T.typing);
      if (opts.shown === undefined) return;
      ui.typing.hidden = !opts.shown;
      if (opts.shown) scrollToEnd();
    }

    /** Enables Send when there is text and opts.busy is false. */
    function refreshSend(opts) {
      if (!ui.send) return;
      ui.send.disabled = !!opts.busy || !ui.input.value.trim();
    }

    function autoGrow() {
      var t = ui.input;
      t.style.height = "auto";
      t.style.height = Math.min(t.scrollHeight + 2, 120) + "px";
    }

    function clearInput() {
      ui.input.value = "";
      autoGrow();
    }

    /** Puts text the server refused back in the input, so nothing the visitor typed is lost. */
    function restoreInput(text) {
      var now = ui.input.value;
      ui.input.value = now.trim() ? text + "\n" + now : text;
      autoGrow();
    }

    function inputText() {
      return ui.input ? ui.input.value : "";
    }

    function removeGroup(group) {
      if (group && group.parentNode) group.parentNode.removeChild(group);
    }

    /** An error line under a visitor's bubble. opts: {offline, onRetry() -> false when it cannot}. */
    function sendError(group, opts) {
      var retry = el("button", { type: "button", class: "link", "data-ccgpt": "retry", text: T.retry });
      var line = el("div", { class: "err-line", "data-ccgpt": "error", role: "alert" }, [
        el("span", { text: opts.offline ? T.offline : T.notSent }),
        retry
      ]);
      retry.addEventListener("click", function () {
        if (opts.onRetry() === false) return;
        if (line.parentNode) line.parentNode.removeChild(line);
      });
      group.appendChild(line);
      scrollToEnd();
    }

    /** The error state: config failed (origin refused, network down, server error). */
    function showFatal() {
      ui.scroller.hidden = true;
      ui.composer.hidden = true;
      while (ui.fatal.firstChild) ui.fatal.removeChild(ui.fatal.firstChild);
      ui.fatalButton = el("button", { type: "button", class: "pill", "data-ccgpt": "retry", text: T.tryAgain });
      ui.fatalButton.addEventListener("click", function () {
        ui.fatalButton.disabled = true;
        hooks.onRetryConfig();
      });
      ui.fatal.appendChild(el("p", { "data-ccgpt": "error", role: "alert", text: T.unavailable }));
      ui.fatal.appendChild(ui.fatalButton);
      ui.fatal.hidden = false;
    }

    function hideFatal() {
      ui.fatal.hidden = true;
      while (ui.fatal.firstChild) ui.fatal.removeChild(ui.fatal.firstChild);
      ui.scroller.hidden = false;
      ui.composer.hidden = false;
    }

    return {
      mount: mount,
      applyConfig: applyConfig,
      showPanel: showPanel,
      focus: focus,
      scrollToEnd: scrollToEnd,
      hideSuggestions: hideSuggestions,
      message: message,
      notice: notice,
      removeHandoffOffers: removeHandoffOffers,
      typing: typing,
      refreshSend: refreshSend,
      clearInput: clearInput,
      restoreInput: restoreInput,
      inputText: inputText,
      removeGroup: removeGroup,
      sendError: sendError,
      showFatal: showFatal,
      hideFatal: hideFatal
    };
  }

  // ===========================================================================
  // WIRING: each part's callbacks, and the stories that span parts (sending a message,
  // restoring history, waiting for a person's reply).
  // ===========================================================================

  var store = createStore(function (name) {
    if (name === "sending" || name === "fatal") updateSend();
  });

  var view = createView({
    onToggle: function () {
      if (store.open) closePanel({ focus: true });
      else openPanel({ focus: true });
    },
    onClose: function () {
      closePanel({ focus: true });
    },
    onSubmit: function (text) {
      if (send(text)) {
        view.clearInput();
        updateSend();
      }
    },
    onInput: function () {
      updateSend();
      noteTyping();
    },
    onSuggestion: function (text) {
      send(text);
    },
    onFeedback: function (messageId, rating) {
      return http.feedback(messageId, rating).then(null, function (err) {
        showProblem(err, T.feedbackFailed);
        throw err;
      });
    },
    onHandoff: function () {
      return http.handoff().then(function () {
        enterHandoff({ into: "live" });
      }, function (err) {
        showProblem(err, T.handoffFailed);
        throw err;
      });
    },
    onRetryConfig: retryConfig
  });

  var visitor = null;
  var http = createHttp({
    /** The widget's pseudonymous visitor id, kept across reloads; replaced if the server would refuse it. */
    visitorId: function () {
      if (visitor) return visitor;
      var pattern = store.config.limits.visitorIdPattern;
      visitor = getItem("localStorage", VISITOR_KEY);
      if (!visitor || (pattern && !pattern.test(visitor))) {
        visitor = uuid();
        setItem("localStorage", VISITOR_KEY, visitor);
      }
      return visitor;
    },
    onSessionStarted: function () {
      connectSocket(); // a session exists now: later messages can go over a socket
    },
    onSessionForgotten: function () {
      store.set({ handoff: false });
      clearTimeout(poller.timer);
      socket.close(); // it was opened for that session
    }
  });

  var socket = createSocket({
    url: function (s) {
      // With the last message number seen: what was said meanwhile comes first, once.
      return BASE.replace(/^http/, "ws") + "/widget/v1/ws?key=" + encodeURIComponent(KEY) +
        "&session_id=" + encodeURIComponent(s.session_id) +
        "&session_token=" + encodeURIComponent(s.session_token) +
        (seen.lastSeq > 0 ? "&after=" + seen.lastSeq : "");
    },
    keepTrying: function () {
      return store.open; // else when the panel next opens
    },
    onState: function (next, previous) {
      var was = previous === "connecting" || previous === "open";
      if (was && next !== "open") {
        // Gone: a message waiting on it goes over HTTP, and typing indicators are stale.
        typingState.sent = false;
        clearTimeout(typingState.idleTimer);
        if (store.awaiting) store.awaiting.fallBack();
        frameTyping({ on: false });
        schedulePoll(); // polling covers a handoff until a socket is back
      }
      if (next === "sleeping") connectSocket(); // at once only if a person may reply
    },
    onFrame: onFrame,
    onRefused: function (s) {
      http.forgetSessionIf(s);
    },
    onRetry: function () {
      if (store.open) connectSocket();
    }
  });

  function updateSend() {
    view.refreshSend({ busy: store.sending || store.fatal });
  }

  /** Opens the socket when it is wanted and allowed. opts.sending: the visitor is sending now. */
  function connectSocket(opts) {
    var s = http.session();
    if (!store.opened || !s || store.fatal) return;
    var sending = !!(opts && opts.sending);
    socket.connect(s, { wake: sending || (store.open && store.handoff) });
  }

  // --- opening and closing ---------------------------------------------------

  /** opts.focus: the visitor did it, so focus moves into the panel. */
  function openPanel(opts) {
    store.set({ open: true, opened: true }); // no sockets for visitors who never open the chat
    view.showPanel({ open: true });
    setItem("sessionStorage", OPEN_KEY, "1");
    if (store.fatal) view.showFatal(); // re-announce the alert now that it can be seen
    else ensureHistory();
    if (opts && opts.focus) view.focus(store.fatal ? "retry" : "input");
    schedulePoll(0);
    connectSocket();
  }

  /** opts.focus: the visitor did it, so focus goes back to the launcher. */
  function closePanel(opts) {
    store.set({ open: false });
    view.showPanel({ open: false });
    setItem("sessionStorage", OPEN_KEY, null);
    clearTimeout(poller.timer);
    if (opts && opts.focus) view.focus("launcher");
  }

  // --- messages ----------------------------------------------------------------

  /** Puts a message on screen once. item: {id, role, text, sources, action}; opts.into. */
  function showMessage(item, opts) {
    var streamed = hasId(item.id) ? streams[item.id] : null;
    if (streamed) {
      view.removeGroup(streamed.group); // the answer as it was written gives way to the whole
      delete streams[item.id];
    }
    noteSeq(item.seq);
    var role = item.role === "visitor" || item.role === "agent" ? item.role : "assistant";
    var answer = role === "assistant";
    var group = view.message({ id: item.id, role: role, text: item.text, sources: item.sources }, {
      into: opts.into,
      feedback: answer && !!item.id && (item.action === "answered" || item.action === "no_answer"),
      offerHandoff: answer && item.action === "no_answer" && store.config.handoff_enabled && !store.handoff
    });
    store.see(item.id);
    store.set({ started: true });
    view.hideSuggestions();
    return group;
  }

  function rateLimitedText(err) {
    return err.detail || store.config.rate_limited_message || DEFAULTS.rate_limited_message;
  }

  /** A notice for a refused request: the rate-limit wording on a 429, else `fallback`. */
  function showProblem(err, fallback) {
    var limited = err.status === 429;
    view.notice(limited ? rateLimitedText(err) : fallback, { kind: limited ? "rate-limited" : "error" });
  }

  /** A person holds the conversation: say so once, then wait for their replies. opts.into. */
  function enterHandoff(opts) {
    if (!store.handoff) view.notice(T.handoffNotice, { kind: "handoff", into: opts.into });
    store.set({ handoff: true });
    view.removeHandoffOffers();
    schedulePoll();
    connectSocket(); // a socket closed as idle comes back while a person may reply
  }

  /** The bot answers again: the person has handed the conversation back. */
  function leaveHandoff() {
    store.set({ handoff: false });
    clearTimeout(poller.timer);
  }

  /** Sends a visitor message. Returns false when nothing was sent. */
  function send(raw) {
    var text = store.clip(str(raw).trim());
    if (!text || store.sending || store.fatal) return false;
    var pending = store.addPending(text);
    seen.ownQuestions[pending.id] = true; // other tabs show it from the socket; this one has it
    pending.group = showMessage({ role: "visitor", text: text }, { into: "live" });
    deliver(pending);
    return true;
  }

  function deliver(pending) {
    store.set({ sending: true });
    view.typing({ shown: !store.handoff, from: "assistant" }); // a person, not the bot, answers during a handoff
    stopTyping();
    if (!socket.live()) connectSocket({ sending: true }); // this one goes over HTTP; an idle socket comes back for the next
    var outcome = socket.live() ? askOverSocket(pending) : http.sendMessage(pending.text, pending.id, streamPiece);
    outcome.then(function (reply) {
      store.settle(pending);
      store.set({ sending: false });
      view.typing({ shown: false });
      showReply(reply || {});
    }, function (err) {
      store.set({ sending: false });
      view.typing({ shown: false });
      if (err.status === 429 || err.status === 413 || err.status === 422 || err.status === 400) {
        // Refused, not stored: take the bubble back and return the text to the input.
        store.settle(pending);
        view.removeGroup(pending.group);
        view.restoreInput(pending.text);
        updateSend();
        var limited = err.status === 429;
        view.notice(limited ? rateLimitedText(err) : err.detail || T.notSent, { kind: limited ? "rate-limited" : "invalid" });
      } else {
        // Kept: Retry sends the same text with the same client_message_id.
        view.sendError(pending.group, {
          offline: err.status === 0,
          onRetry: function () {
            if (store.sending) return false;
            deliver(pending);
          }
        });
      }
    });
  }

  /** Sends a message over the socket; settles like an HTTP send, or hands it to HTTP. */
  function askOverSocket(pending) {
    return new Promise(function (resolve, reject) {
      var w = { id: pending.id };
      function settle() {
        clearTimeout(w.timer);
        if (store.awaiting === w) store.set({ awaiting: null });
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
        resolve(http.sendMessage(pending.text, pending.id, streamPiece));
      };
      store.set({ awaiting: w });
      w.timer = setTimeout(w.fallBack, REPLY_WAIT_MS);
      var frame = JSON.stringify({ type: "message", text: pending.text, client_message_id: pending.id });
      var max = store.config.limits.frameMaxBytes;
      var size = typeof TextEncoder === "function" ? new TextEncoder().encode(frame).length : frame.length * 3;
      if ((max && size > max) || !socket.send(frame)) w.fallBack();
    });
  }

  /** An answer (over HTTP or the socket), or the news that a person holds the conversation. */
  function showReply(reply) {
    var action = reply.action;
    if (action === "handoff") {
      if (reply.message_id) store.see(reply.message_id);
      enterHandoff({ into: "live" });
      return;
    }
    if (store.handoff) leaveHandoff(); // the bot answered, so the person handed it back
    if (store.hasSeen(reply.message_id)) return; // already came in over the socket
    var text = str(reply.answer) || (action === "no_answer" ? store.config.no_answer_message : "");
    if (!text) return;
    showMessage({
      id: reply.message_id,
      role: "assistant",
      text: text,
      sources: reply.sources,
      action: action,
      seq: reply.seq
    }, { into: "live" });
  }

  function showAgent(id, text, seq) {
    if (hasId(id) && !store.hasSeen(id) && str(text)) {
      showMessage({ id: id, role: "agent", text: text, seq: seq }, { into: "live" });
    }
  }

  // --- answers as they are written, and what this page has seen ------------------

  var streams = {}; // message_id -> {group, bubble, text}: answers still being written
  var seen = { lastSeq: 0, ownQuestions: {} };

  function noteSeq(seq) {
    if (typeof seq === "number" && seq > seen.lastSeq) seen.lastSeq = seq;
  }

  /** A piece of an answer (a socket `token` frame or a server-sent event). */
  function streamPiece(t) {
    if (!t || !hasId(t.message_id) || store.hasSeen(t.message_id) || typeof t.delta !== "string") return;
    var s = streams[t.message_id];
    if (!s) {
      view.typing({ shown: false });
      var group = view.message({ role: "assistant", text: "" }, { into: "live" });
      var bubble = group.querySelector("[data-ccgpt=message]");
      // Not a message yet: the whole one (with its sources) takes its place when it comes.
      if (bubble) bubble.setAttribute("data-ccgpt", "streaming");
      s = streams[t.message_id] = { group: group, bubble: bubble, text: "" };
    }
    s.text += t.delta;
    if (s.bubble) s.bubble.textContent = s.text;
    view.scrollToEnd();
  }

  // --- history (kept across reloads) and polling for a person's replies ---------

  var historyLoad = { promise: null, requested: false };
  var poller = { timer: 0, busy: false };

  function requestHistory() {
    if (!historyLoad.promise) {
      historyLoad.requested = true;
      historyLoad.promise = http.history().then(null, function () {
        return null; // no history is not an error worth showing
      });
    }
    return historyLoad.promise;
  }

  /** On first open, pick up a session another tab may have opened since this page loaded. */
  function ensureHistory() {
    if (historyLoad.requested) return;
    if (!http.pickUpSession()) return;
    requestHistory().then(showHistory);
  }

  function showHistory(history) {
    if (!history) return;
    var noticeShown = false;
    history.items.forEach(function (it) {
      if (!it || typeof it !== "object") return;
      if (store.hasSeen(it.id)) return;
      var text = str(it.text);
      if (text) {
        showMessage({ id: it.id, role: it.role, text: text, sources: it.sources, action: it.action, seq: it.seq }, { into: "history" });
      } else {
        store.see(it.id); // the bot's silent turn during a handoff
        noteSeq(it.seq);
      }
      if (it.action === "handoff" && !noticeShown) {
        view.notice(T.handoffNotice, { kind: "handoff", into: "history" });
        noticeShown = true;
      }
    });
    if (history.status === "handoff") {
      if (noticeShown) store.set({ handoff: true });
      enterHandoff({ into: "history" });
    }
    view.scrollToEnd();
  }

  /** Polls for a person's replies while no socket brings them. */
  function schedulePoll(delay) {
    clearTimeout(poller.timer);
    if (!store.handoff || !store.open || !http.session() || poller.busy || socket.live()) return;
    poller.timer = setTimeout(poll, delay === undefined ? POLL_MS : delay);
  }

  function poll() {
    poller.busy = true;
    http.history().then(function (history) {
      if (history.status === "bot") {
        store.set({ handoff: false }); // handed back to the bot: stop polling
        return;
      }
      history.items.forEach(function (it) {
        if (it && it.role === "agent") showAgent(it.id, it.text);
      });
    }, function () {
      /* try again on the next tick; a 401 has already stopped the handoff */
    }).then(function () {
      poller.busy = false;
      schedulePoll();
    });
  }

  // --- socket frames and typing ---------------------------------------------------

  function onFrame(f) {
    var w = store.awaiting;
    if (f.type === "ready") {
      clearTimeout(poller.timer); // replies arrive live now
      // After the stored history is on screen, so a handoff notice is not shown twice.
      (historyLoad.promise || Promise.resolve()).then(function () {
        if (!socket.live()) return;
        if (f.status === "handoff") {
          enterHandoff({ into: "live" });
          if (!poller.busy) poll(); // once: replies sent while no socket was open
        } else if (f.status === "bot" && store.handoff) {
          leaveHandoff();
        }
      });
    } else if (f.type === "typing") {
      frameTyping({ on: f.state === true, from: f.from });
    } else if (f.type === "token") {
      streamPiece(f);
    } else if (f.type === "ping") {
      socket.send({ type: "pong" }); // the server checks that quiet sockets are alive
    } else if (f.type === "message") {
      var reply = { message_id: f.message_id, answer: f.text, sources: f.sources, confidence: f.confidence, action: f.action, seq: f.seq };
      if (w && f.role === "assistant" && (f.client_message_id === w.id || !f.client_message_id)) {
        w.reply(reply); // an answer carries its question's client_message_id
      } else if (f.role === "visitor") {
        // Asked in another tab (or before a reconnect): shown once, ours never twice.
        noteSeq(f.seq);
        if (!seen.ownQuestions[f.client_message_id] && !store.hasSeen(f.message_id) && str(f.text)) {
          showMessage({ id: f.message_id, role: "visitor", text: f.text, seq: f.seq }, { into: "live" });
        }
      } else if (f.role === "agent") {
        frameTyping({ on: false });
        showAgent(f.message_id, f.text, f.seq);
      } else if (f.role === "assistant") {
        // Most likely the answer to a message on its way over HTTP (which then shows nothing new).
        view.typing({ shown: false });
        showReply(reply);
      }
    } else if (f.type === "handoff") {
      if (f.state === true) {
        enterHandoff({ into: "live" });
        if (w) w.reply({ action: "handoff" }); // the message went to the person
      } else if (f.state === false && store.handoff) {
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

  var typingState = { sent: false, idleTimer: 0, shownTimer: 0 }; // the visitor's frames, and the dots' timeout

  /** Typing frames from the bot or an agent; the dots stay up while our answer is due. opts: {on, from}. */
  function frameTyping(opts) {
    clearTimeout(typingState.shownTimer);
    if (opts.on) {
      view.typing({ from: opts.from === "agent" ? "agent" : "assistant" });
      typingState.shownTimer = setTimeout(function () {
        frameTyping({ on: false });
      }, SHOWN_TYPING_MS);
    }
    view.typing({ shown: opts.on || (store.sending && !store.handoff) });
  }

  /** The visitor's typing: true when they start, false after a pause or on send. */
  function noteTyping() {
    clearTimeout(typingState.idleTimer);
    if (!view.inputText().trim()) {
      stopTyping();
      return;
    }
    if (!typingState.sent) typingState.sent = socket.send({ type: "typing", state: true });
    if (typingState.sent) typingState.idleTimer = setTimeout(stopTyping, TYPING_IDLE_MS);
  }

  function stopTyping() {
    clearTimeout(typingState.idleTimer);
    if (!typingState.sent) return;
    typingState.sent = false;
    socket.send({ type: "typing", state: false });
  }

  // Leaving the page (or entering the back/forward cache) closes the socket; coming back reopens it.
  window.addEventListener("pagehide", function () {
    socket.close();
  });
  window.addEventListener("pageshow", function (e) {
    if (e.persisted) connectSocket();
  });

  // --- the error state: config failed -----------------------------------------------

  function showFatal() {
    store.set({ fatal: true });
    view.showFatal();
  }

  function retryConfig() {
    http.config().then(function (cfg) {
      store.set({ fatal: false, config: cfg });
      view.hideFatal();
      view.applyConfig(cfg, { suggestions: !store.started });
      updateSend();
      historyLoad.promise = null;
      historyLoad.requested = false;
      ensureHistory();
      connectSocket();
      if (store.open) view.focus("input");
    }, function () {
      showFatal();
      view.focus("retry");
    });
  }

  // ===========================================================================
  // Start: fetch config (and history, when a session is stored) while the page loads,
  // then build once both the config has settled and <body> exists.
  // ===========================================================================

  var configPromise = http.config().then(
    function (cfg) {
      return { cfg: cfg };
    },
    function (err) {
      return { err: err };
    }
  );
  if (http.session()) requestHistory();

  var bodyReady = new Promise(function (resolve) {
    if (document.body) resolve();
    else document.addEventListener("DOMContentLoaded", resolve, { once: true });
  });

  Promise.all([configPromise, bodyReady]).then(function (results) {
    var result = results[0];
    view.mount();
    store.set({ config: result.cfg || DEFAULTS });
    view.applyConfig(store.config, { suggestions: !store.started });
    if (result.err) showFatal();
    else if (http.session()) requestHistory().then(showHistory);
    updateSend();
    if (getItem("sessionStorage", OPEN_KEY) === "1") openPanel();

    // A tiny API for site owners: open/close the chat from their own buttons.
    widget.open = function () {
      openPanel({ focus: true });
    };
    widget.close = function () {
      closePanel();
    };
    widget.toggle = function () {
      if (store.open) closePanel({ focus: true });
      else openPanel({ focus: true });
    };
    // For the console's preview frame: show settings that are not saved yet, nothing stored.
    // The server's limits stay as the config gave them unless the settings bring their own.
    widget.preview = function (raw, open) {
      if (raw && typeof raw === "object") {
        var cfg = normaliseConfig(raw);
        if (raw.limits === undefined) cfg.limits = store.config.limits;
        store.set({ config: cfg });
        view.applyConfig(cfg, { suggestions: !store.started });
        updateSend();
      }
      if (open && !store.open) openPanel();
    };
  });
})();
