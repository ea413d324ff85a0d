// Embed codes: the list, and an editor with the real widget previewed beside the form.
import { api } from "./api.js";
import { busy, clear, confirmDialog, errorBox, field, fmt, h, row, table, toast } from "./dom.js";

const lines = (text) => text.split("\n").map((s) => s.trim()).filter(Boolean);

export async function embedsPage(body, args) {
  if (args[0]) return editor(body, args[0] === "new" ? null : args[0]);
  const page = await api("GET", "/api/v1/embed-codes?limit=100");
  body.append(
    h("p", {}, [h("a", { href: "#/embeds/new", class: "button primary", text: "New embed code" })]),
    table(
      "Embed codes",
      ["Name", "State", "Allowed sites", "Created", ""],
      page.items.map((code) =>
        row([
          code.name,
          h("span", { class: `badge ${code.active ? "ready" : "failed"}`, text: code.active ? "on" : "off" }),
          code.allowed_domains.length ? code.allowed_domains.join(", ") : "any site",
          fmt.date(code.created_at),
          h("a", { href: `#/embeds/${code.id}`, text: "Edit", "aria-label": `Edit ${code.name}` }),
        ]),
      ),
    ),
  );
}

async function editor(body, id) {
  let code = id ? await api("GET", `/api/v1/embed-codes/${id}`) : null;
  const s = code ? code.settings : {};
  const name = h("input", { name: "name", required: true, value: code ? code.name : "My website" });
  const domains = h("textarea", { name: "allowed_domains", rows: "3", value: code ? code.allowed_domains.join("\n") : "" });
  const title = h("input", { name: "title", value: s.title ?? "Support" });
  const greeting = h("textarea", { name: "greeting", rows: "2", value: s.greeting ?? "Hi! How can I help?" });
  const colour = h("input", { type: "color", name: "primary_color", value: s.primary_color ?? "#2563EB" });
  const position = h("select", { name: "position" }, ["bottom-right", "bottom-left"].map((p) =>
    h("option", { value: p, text: p.replace("-", " "), selected: (s.position ?? "bottom-right") === p })));
  const placeholder = h("input", { name: "placeholder", value: s.placeholder ?? "Type your question..." });
  const suggested = h("textarea", { name: "suggested_questions", rows: "3", value: (s.suggested_questions ?? []).join("\n") });
  const handoff = h("input", { type: "checkbox", name: "handoff_enabled", checked: s.handoff_enabled ?? true });
  const noAnswer = h("input", { name: "no_answer_message", value: s.no_answer_message ?? "" });
  const active = h("input", { type: "checkbox", name: "active", checked: code ? code.active : true });
  const box = errorBox();
  const save = h("button", { type: "submit", class: "primary", text: code ? "Save changes" : "Create embed code" });

  const settings = () => {
    const out = {
      title: title.value,
      greeting: greeting.value,
      primary_color: colour.value.toUpperCase(),
      position: position.value,
      placeholder: placeholder.value,
      suggested_questions: lines(suggested.value),
      handoff_enabled: handoff.checked,
    };
    if (noAnswer.value.trim()) out.no_answer_message = noAnswer.value;
    return out;
  };

  const check = (input, label) => h("div", { class: "field check" }, [input, h("label", { for: (input.id = `c-${input.name}`), text: label })]);
  const form = h("form", { class: "stack embed-form" }, [
    field("Name", name),
    field("Allowed sites", domains, "One host per line, e.g. example.com, *.example.org or localhost:3000. Empty: any site."),
    field("Title", title),
    field("Greeting", greeting),
    field("Colour", colour),
    field("Position", position),
    field("Input placeholder", placeholder),
    field("Suggested questions", suggested, "One per line."),
    field("Answer when the documents do not cover a question", noAnswer, "Empty: the default."),
    check(handoff, "Offer a person when the bot cannot answer"),
    code ? check(active, "Switched on") : null,
    box,
    h("div", { class: "actions" }, [save, h("a", { href: "#/embeds", text: "Back to embed codes" })]),
  ]);

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    busy(save, box, async () => {
      const payload = { name: name.value.trim(), allowed_domains: lines(domains.value), settings: settings() };
      if (code) {
        code = await api("PATCH", `/api/v1/embed-codes/${code.id}`, { ...payload, active: active.checked });
        toast("Saved.");
        showKey();
      } else {
        const created = await api("POST", "/api/v1/embed-codes", payload);
        toast("Embed code created. Try it in the preview.");
        location.hash = `#/embeds/${created.id}`;
      }
    });
  });

  // --- preview, snippet, key ------------------------------------------------------
  const side = h("div", { class: "embed-side" });
  const layout = h("div", { class: "embed-layout" }, [h("section", { "aria-label": "Settings" }, form), side]);
  body.append(layout);
  if (!code) {
    side.append(h("p", { class: "card", text: "Create the embed code to see the widget live here, answering from your documents." }));
    name.focus();
    return undefined;
  }

  const frame = h("iframe", { title: "Live preview of the widget", class: "preview", src: `/console/preview#key=${encodeURIComponent(code.public_key)}` });
  const sendPreview = () => frame.contentWindow?.postMessage({ type: "ccgpt-preview", settings: settings() }, location.origin);
  frame.addEventListener("load", () => setTimeout(sendPreview, 300));
  form.addEventListener("input", sendPreview);
  form.addEventListener("change", sendPreview);

  const snippet = h("code");
  const keyText = h("code");
  const copy = h("button", { type: "button", text: "Copy snippet" });
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(code.snippet);
      toast("Snippet copied.");
    } catch {
      const range = document.createRange();
      range.selectNodeContents(snippet);
      getSelection().removeAllRanges();
      getSelection().addRange(range);
      toast("Press Ctrl+C to copy the selected snippet.");
    }
  });
  const rotate = h("button", { type: "button", class: "danger", text: "Rotate key" });
  rotate.addEventListener("click", async () => {
    const sure = await confirmDialog("Rotate the key? The old key stops working at once: every site must get the new snippet.", "Rotate key");
    if (!sure) return;
    await busy(rotate, box, async () => {
      code = await api("POST", `/api/v1/embed-codes/${code.id}/rotate-key`);
      showKey();
      frame.src = `/console/preview#key=${encodeURIComponent(code.public_key)}`;
      toast("New key issued. Update the snippet on your sites.");
    });
  });
  const remove = h("button", { type: "button", class: "danger", text: "Delete embed code" });
  remove.addEventListener("click", async () => {
    if (!(await confirmDialog(`Delete “${code.name}”? Its widget stops working everywhere.`, "Delete"))) return;
    await busy(remove, box, async () => {
      await api("DELETE", `/api/v1/embed-codes/${code.id}`);
      toast("Embed code deleted.");
      location.hash = "#/embeds";
    });
  });
  function showKey() {
    snippet.textContent = code.snippet;
    keyText.textContent = code.public_key;
  }
  showKey();
  side.append(
    h("h2", { text: "Live preview" }),
    frame,
    h("h2", { text: "Put it on your site" }),
    h("p", { text: "Paste this before </body> on every page where the chat should appear:" }),
    h("pre", { class: "snippet", tabindex: "0", "aria-label": "Snippet" }, snippet),
    h("div", { class: "actions" }, [copy]),
    h("p", {}, ["Public key: ", keyText]),
    h("div", { class: "actions" }, [rotate, remove]),
  );
  return undefined;
}
