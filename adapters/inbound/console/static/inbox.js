// Inbox: conversations live over the dashboard WebSocket; open one, take over, reply, release.
import { accessToken, api, qs, refresh, session } from "./api.js";
import { busy, clear, errorBox, field, fmt, h, toast } from "./dom.js";

const ROLE = { visitor: "Visitor", assistant: "Bot", agent: "Agent" };
const TYPING_IDLE_MS = 3000;

export async function inboxPage(body) {
  // Agents may not read embed codes (403): then the filter offers "all" only.
  const codes = (await api("GET", "/api/v1/embed-codes?limit=100").catch(() => ({ items: [] }))).items;
  const codeName = Object.fromEntries(codes.map((c) => [c.id, c.name]));
  const online = new Set();
  const unread = new Set();
  let current = null; // the open conversation (thread)
  let seen = new Set();
  let closed = false;

  // --- filters and list ------------------------------------------------------------
  const status = h("select", { name: "status" }, [["", "All"], ["bot", "Bot answering"], ["handoff", "Taken over"], ["closed", "Closed"]].map(([v, t]) => h("option", { value: v, text: t })));
  const code = h("select", { name: "embed_code_id", disabled: !codes.length }, [h("option", { value: "", text: "All embed codes" }), ...codes.map((c) => h("option", { value: c.id, text: c.name }))]);
  const live = h("span", { class: "live-state", role: "status", text: "Connecting…" });
  const listError = errorBox();
  const list = h("ul", { class: "conversations", "aria-label": "Conversations" });
  const thread = h("section", { class: "thread", "aria-label": "Conversation", "aria-live": "polite" }, [
    h("p", { class: "muted", text: "Choose a conversation to read it." }),
  ]);

  async function loadList() {
    await busy(null, listError, async () => {
      const page = await api("GET", `/api/v1/conversations${qs({ status: status.value, embed_code_id: code.value, limit: 50 })}`);
      // Live updates redraw the list: keep the keyboard focus where it was.
      const focused = list.contains(document.activeElement) ? document.activeElement.dataset.session : null;
      const items = page.items.length ? page.items.map(item) : [h("li", { class: "muted", text: "No conversations yet. They appear here as soon as a visitor writes." })];
      clear(list).append(...items);
      if (page.next_cursor) list.append(h("li", {}, moreButton(page.next_cursor)));
      if (focused) list.querySelector(`[data-session="${focused}"]`)?.focus();
    });
  }
  /** Older conversations, a page at a time, below the newest 50. */
  function moreButton(cursor) {
    const button = h("button", { type: "button", class: "link", text: "Show older conversations" });
    button.addEventListener("click", () => busy(button, listError, async () => {
      const page = await api("GET", `/api/v1/conversations${qs({ status: status.value, embed_code_id: code.value, limit: 50, cursor })}`);
      const holder = button.parentElement;
      holder.replaceWith(...page.items.map(item), ...(page.next_cursor ? [h("li", {}, moreButton(page.next_cursor))] : []));
    }));
    return button;
  }
  let listTimer = 0;
  const soon = () => {
    clearTimeout(listTimer);
    listTimer = setTimeout(loadList, 250);
  };

  function item(conv) {
    const isOpen = current && current.id === conv.id;
    const label = [
      `Conversation ${conv.id.slice(0, 8)}`,
      codeName[conv.embed_code_id] || (conv.embed_code_id ? "Widget" : "API"),
      `${conv.message_count} message${conv.message_count === 1 ? "" : "s"}`,
    ].join(" · ");
    return h("li", {}, h("button", {
      type: "button",
      class: `conversation${isOpen ? " open" : ""}${unread.has(conv.id) ? " unread" : ""}`,
      "aria-current": isOpen ? "true" : null,
      "data-session": conv.id,
      onclick: () => openThread(conv.id),
    }, [
      h("span", { class: "conv-title" }, [
        online.has(conv.id) ? h("span", { class: "dot", title: "Visitor online", text: "● " }) : null,
        label,
        unread.has(conv.id) ? h("span", { class: "badge queued", text: "new" }) : null,
      ]),
      h("span", { class: "conv-meta" }, [h("span", { class: `badge ${conv.status}`, text: conv.status === "handoff" ? "taken over" : conv.status }), ` ${fmt.date(conv.last_message_at)}`]),
    ]));
  }

  // --- one conversation ----------------------------------------------------------------
  const messages = h("ol", { class: "messages" });
  const typing = h("p", { class: "typing muted", hidden: true, text: "Visitor is typing…" });
  const presence = h("span", { class: "muted" });
  const takeover = h("button", { type: "button", class: "primary", text: "Take over" });
  const release = h("button", { type: "button", text: "Hand back to the bot" });
  const reply = h("textarea", { name: "reply", rows: "3", maxlength: "4000" });
  const sendButton = h("button", { type: "submit", class: "primary", text: "Send reply" });
  const threadError = errorBox();
  const replyForm = h("form", { class: "reply stack" }, [field("Your reply", reply, "The visitor sees it at once."), threadError, sendButton]);
  const threadTitle = h("h2");

  function messageView(m) {
    const sources = (m.sources || []).map((s) => h("li", { "data-testid": "source", text: `${s.title}${s.page ? `, page ${s.page}` : ""}` }));
    const meta = [ROLE[m.role] || m.role, fmt.date(m.created_at)];
    if (m.confidence != null) meta.push(`confidence ${fmt.pct(m.confidence)}`);
    if (m.action && m.action !== "answered") meta.push(m.action.replace("_", " "));
    return h("li", { class: `message ${m.role}`, "data-role": m.role }, [
      h("p", { class: "meta", text: meta.join(" · ") }),
      h("p", { class: "text", text: m.text }),
      sources.length ? h("div", { class: "sources" }, [h("span", { text: "Sources:" }), h("ul", {}, sources)]) : null,
    ]);
  }

  function addMessage(m) {
    const id = m.id || m.message_id;
    if (seen.has(id)) return;
    seen.add(id);
    messages.append(messageView(m));
    messages.lastChild.scrollIntoView({ block: "nearest" });
  }

  function showState() {
    const handed = current.status === "handoff";
    takeover.hidden = handed;
    release.hidden = !handed;
    reply.disabled = !handed;
    sendButton.disabled = !handed;
    presence.textContent = online.has(current.id) ? " · visitor online" : "";
    threadTitle.textContent = `Conversation ${current.id.slice(0, 8)} · ${handed ? "you are answering" : current.status === "bot" ? "the bot is answering" : current.status}`;
  }

  async function openThread(id) {
    unread.delete(id);
    await busy(null, listError, async () => {
      current = await api("GET", `/api/v1/conversations/${id}`);
      seen = new Set();
      clear(messages);
      current.messages.forEach(addMessage);
      clear(thread).append(
        threadTitle,
        h("p", { class: "muted" }, [codeName[current.embed_code_id] || (current.embed_code_id ? "Widget" : "API"), current.visitor_id ? ` · visitor ${current.visitor_id.slice(0, 12)}` : "", presence]),
        h("div", { class: "actions" }, [takeover, release]),
        messages,
        typing,
        replyForm,
      );
      showState();
      loadList();
      threadTitle.setAttribute("tabindex", "-1");
      threadTitle.focus();
    });
  }

  const switchTo = (verb) => (e) =>
    busy(e.target, threadError, async () => {
      const conv = await api("POST", `/api/v1/conversations/${current.id}/${verb}`);
      current.status = conv.status;
      showState();
      if (verb === "takeover") reply.focus();
      soon();
    });
  takeover.addEventListener("click", switchTo("takeover"));
  release.addEventListener("click", switchTo("release"));

  let typingTimer = 0;
  let typingOn = false;
  const setTyping = (state) => {
    if (typingOn === state || !current) return;
    typingOn = state;
    sendFrame({ type: "typing", session_id: current.id, state });
  };
  reply.addEventListener("input", () => {
    setTyping(true);
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => setTyping(false), TYPING_IDLE_MS);
  });
  replyForm.addEventListener("submit", (e) => {
    e.preventDefault();
    const text = reply.value.trim();
    if (!text) return;
    busy(sendButton, threadError, async () => {
      const message = await api("POST", `/api/v1/conversations/${current.id}/messages`, { text });
      addMessage(message);
      reply.value = "";
      setTyping(false);
      reply.focus();
    });
  });

  // --- the socket ----------------------------------------------------------------------------
  let socket = null;
  let backoff = 1000;
  function sendFrame(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
  }
  function connect() {
    if (closed) return;
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${location.host}/api/v1/ws?token=${encodeURIComponent(accessToken() || "")}`);
    socket.addEventListener("message", (e) => {
      let frame;
      try {
        frame = JSON.parse(e.data);
      } catch {
        return;
      }
      onFrame(frame);
    });
    socket.addEventListener("close", async (e) => {
      if (closed) return;
      live.textContent = "Reconnecting…";
      if (e.code === 4401) await refresh().catch(() => {});
      setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, 15000);
    });
  }
  function onFrame(frame) {
    const sid = frame.session_id;
    const here = current && sid === current.id;
    switch (frame.type) {
      case "ping": // the server checks that a quiet socket is still there
        sendFrame({ type: "pong" });
        break;
      case "ready":
        live.textContent = "Live";
        backoff = 1000;
        soon(); // anything missed while disconnected
        break;
      case "conversation.started":
        toast("A new conversation started.");
        soon();
        break;
      case "message.created":
        if (here) addMessage(frame);
        else if (frame.role === "visitor") {
          unread.add(sid);
          toast("New visitor message.");
        }
        if (here && frame.role === "visitor") typing.hidden = true;
        soon();
        break;
      case "typing":
        if (here && frame.from === "visitor") typing.hidden = !frame.state;
        break;
      case "presence":
        if (frame.online) online.add(sid);
        else online.delete(sid);
        if (here) showState();
        soon();
        break;
      case "handoff":
        if (here) {
          current.status = frame.state ? "handoff" : "bot";
          showState();
        }
        soon();
        break;
      default:
        break;
    }
  }
  const onToken = (e) => sendFrame({ type: "auth", token: e.detail });
  session.addEventListener("token", onToken);
  const ping = setInterval(() => sendFrame({ type: "ping" }), 25000);

  status.addEventListener("change", loadList);
  code.addEventListener("change", loadList);
  body.append(
    h("div", { class: "inline-form" }, [field("Status", status), field("Embed code", code), live]),
    listError,
    h("div", { class: "inbox" }, [h("div", { class: "list-pane" }, list), thread]),
  );
  await loadList();
  connect();
  return () => {
    closed = true;
    clearInterval(ping);
    clearTimeout(typingTimer);
    session.removeEventListener("token", onToken);
    if (socket) socket.close(1000);
  };
}
