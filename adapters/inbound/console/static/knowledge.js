// Knowledge base: upload (drag and drop, several at once) with per-file status, the list,
// a document's chunks, delete, reindex, a text document, and what a search retrieves.
import { api, upload as send } from "./api.js";
import { busy, clear, confirmDialog, errorBox, field, fmt, h, row, showDialog, table, toast } from "./dom.js";

const POLL_MS = 1000;
const DONE = new Set(["ready", "failed"]);
export const draft = { title: "", content: "" }; // a text document started elsewhere (a content gap)

function badge(status) {
  return h("span", { class: `badge ${status}`, text: status });
}

export async function knowledgePage(body, _args, ctx) {
  let alive = true;
  const canEdit = ctx.me.role !== "agent"; // agents read and search; they do not change
  const listBox = h("div");
  const listError = errorBox();

  async function refreshList() {
    await busy(null, listError, async () => {
      let page = await api("GET", "/api/v1/documents?limit=100");
      const items = [...page.items];
      const draw = () => {
        const more = page.next_cursor ? h("button", { type: "button", text: "Show more documents" }) : null;
        more?.addEventListener("click", () => busy(more, listError, async () => {
          page = await api("GET", `/api/v1/documents?limit=100&cursor=${encodeURIComponent(page.next_cursor)}`);
          items.push(...page.items);
          draw();
        }));
        clear(listBox).append(documentsTable(items), more || "");
      };
      draw();
    });
  }

  function documentsTable(items) {
    return table(
      "Documents",
      ["Title", "Status", "Chunks", "Size", "Updated", "Actions"],
      items.map((doc) =>
        row([
          h("span", {}, [doc.title, doc.filename && doc.filename !== doc.title ? h("span", { class: "muted", text: ` ${doc.filename}` }) : null]),
          h("span", {}, [badge(doc.status), doc.error ? h("span", { class: "reason", text: ` ${doc.error}` }) : null]),
          fmt.num(doc.chunk_count),
          fmt.bytes(doc.size_bytes),
          fmt.date(doc.updated_at),
          h("span", { class: "row-actions" }, [
            h("button", { type: "button", text: "Chunks", "aria-label": `Chunks of ${doc.title}`, onclick: () => showChunks(doc) }),
            canEdit ? h("button", { type: "button", text: "Reindex", "aria-label": `Reindex ${doc.title}`, onclick: (e) => reindex(e.target, doc) }) : null,
            canEdit ? h("button", { type: "button", class: "danger", text: "Delete", "aria-label": `Delete ${doc.title}`, onclick: (e) => remove(e.target, doc) }) : null,
          ]),
        ]),
      ),
    );
  }

  async function showChunks(doc) {
    const page = await api("GET", `/api/v1/documents/${doc.id}/chunks?limit=100`).catch((err) => toast(err.message));
    if (!page) return;
    const list = h("ol", { class: "chunks" }, page.items.map((c) =>
      h("li", {}, [
        h("p", { class: "muted", text: [`#${c.ordinal}`, c.page ? `page ${c.page}` : "", c.heading || "", `${c.token_count} tokens`].filter(Boolean).join(" · ") }),
        h("p", { class: "chunk-text", text: c.text }),
      ]),
    ));
    const more = page.next_cursor ? h("p", { class: "muted", text: "Showing the first 100 chunks." }) : null;
    showDialog(`Chunks of ${doc.title}`, h("div", {}, [page.items.length ? list : h("p", { text: "No chunks (yet)." }), more]));
  }

  async function reindex(button, doc) {
    await busy(button, null, async () => {
      await api("POST", `/api/v1/documents/${doc.id}/reindex`);
      toast(`Reindexing ${doc.title}.`);
      watch(doc.id, null);
    });
  }

  async function remove(button, doc) {
    if (!(await confirmDialog(`Delete “${doc.title}”? The bot stops using it at once.`, "Delete"))) return;
    await busy(button, null, async () => {
      await api("DELETE", `/api/v1/documents/${doc.id}`);
      toast(`Deleted ${doc.title}.`);
      refreshList();
    });
  }

  /** Polls one document until it is ready or failed, updating `line` (an upload row). */
  async function watch(id, line) {
    while (alive) {
      let doc;
      try {
        doc = await api("GET", `/api/v1/documents/${id}`);
      } catch (err) {
        line?.set("failed", err.message);
        return;
      }
      line?.set(doc.status, doc.error || (doc.status === "ready" ? `${doc.chunk_count} chunks` : ""));
      if (DONE.has(doc.status)) break;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    if (alive) refreshList();
  }

  // --- upload ---------------------------------------------------------------
  const uploads = h("ul", { class: "uploads", "aria-live": "polite", "aria-label": "Uploads" });
  const input = h("input", { type: "file", multiple: true, id: "upload-input", class: "visually-hidden" });
  const drop = h("div", { class: "dropzone", "data-testid": "dropzone" }, [
    h("p", {}, [h("strong", { text: "Drop files here" }), " or "]),
    h("label", { for: "upload-input", class: "button primary", text: "Choose files" }),
    input,
    h("p", { class: "hint", text: "PDF, Word (.docx), HTML, Markdown or plain text; several at once." }),
  ]);

  function upload(file) {
    const name = h("span", { class: "name", text: file.name });
    const status = h("span");
    const line = h("li", {}, [name, status]);
    line.set = (state, note) => {
      clear(status).append(badge(state), note ? h("span", { class: state === "failed" ? "reason" : "muted", text: ` ${note}` }) : "");
    };
    line.set("uploading", fmt.bytes(file.size));
    uploads.prepend(line);
    const form = new FormData();
    form.append("file", file, file.name);
    const progress = (share) => line.set("uploading", `${Math.round(share * 100)}% of ${fmt.bytes(file.size)}`);
    send("/api/v1/documents", form, progress).then(
      (doc) => {
        line.set(doc.status);
        refreshList();
        watch(doc.id, line);
      },
      (err) => line.set("failed", err.message),
    );
  }

  input.addEventListener("change", () => {
    [...input.files].forEach(upload);
    input.value = "";
  });
  drop.addEventListener("dragover", (e) => {
    e.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    [...(e.dataTransfer?.files || [])].forEach(upload);
  });

  // --- text document ----------------------------------------------------------
  const title = h("input", { name: "title", required: true, maxlength: "300", value: draft.title });
  const content = h("textarea", { name: "content", rows: "6", required: true, value: draft.content });
  const textError = errorBox();
  const addText = h("button", { type: "submit", text: "Add text document" });
  const textForm = h("form", { class: "stack" }, [field("Title", title), field("Text", content), textError, addText]);
  const textBlock = h("details", { class: "card", open: Boolean(draft.title) }, [h("summary", { text: "Write a text document" }), textForm]);
  draft.title = draft.content = "";
  textForm.addEventListener("submit", (e) => {
    e.preventDefault();
    busy(addText, textError, async () => {
      const doc = await api("POST", "/api/v1/documents/text", { title: title.value, content: content.value });
      title.value = content.value = "";
      toast(`Added ${doc.title}.`);
      refreshList();
      watch(doc.id, null);
    });
  });

  // --- search -------------------------------------------------------------------
  const query = h("input", { type: "search", name: "query", required: true, maxlength: "1000" });
  const topK = h("select", { name: "top_k" }, [3, 5, 10].map((n) => h("option", { value: String(n), text: String(n), selected: n === 5 })));
  const searchError = errorBox();
  const results = h("ol", { class: "results", "aria-live": "polite" });
  const go = h("button", { type: "submit", text: "Search" });
  const searchForm = h("form", { class: "inline-form", role: "search" }, [field("Question", query), field("Results", topK), go]);
  searchForm.addEventListener("submit", (e) => {
    e.preventDefault();
    busy(go, searchError, async () => {
      const out = await api("POST", "/api/v1/search", { query: query.value, top_k: Number(topK.value) });
      clear(results).append(...(out.results.length ? out.results.map((r) =>
        h("li", { class: "result" }, [
          h("p", {}, [h("strong", { text: r.document_title }), r.page ? ` · page ${r.page}` : "", h("span", { class: "score", text: ` score ${r.score.toFixed(3)}` })]),
          h("p", { class: "chunk-text", text: r.text }),
        ]),
      ) : [h("li", { text: "Nothing retrieved: the documents do not cover this." })]));
    });
  });

  body.append(
    canEdit ? h("section", { "aria-labelledby": "up-h" }, [h("h2", { id: "up-h", text: "Add documents" }), drop, uploads, textBlock]) : "",
    h("section", { "aria-labelledby": "docs-h" }, [h("h2", { id: "docs-h", text: "Documents" }), listError, listBox]),
    h("section", { "aria-labelledby": "search-h" }, [
      h("h2", { id: "search-h", text: "What would the bot retrieve?" }),
      searchForm,
      searchError,
      results,
    ]),
  );
  if (textBlock.open) title.focus();
  await refreshList();
  return () => {
    alive = false;
  };
}
