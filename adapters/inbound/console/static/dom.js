// Small DOM helpers: elements are built with textContent only, never from HTML strings.

/** h("button", {type: "button", onclick: fn}, ["Save"]) */
export function h(tag, attrs = {}, children = []) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") el.addEventListener(name.slice(2), value);
    else if (name === "text") el.textContent = value;
    else if (name === "value") el.value = value;
    else if (name === "checked") el.checked = Boolean(value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of [].concat(children)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

let uid = 0;
export const nextId = (prefix) => `${prefix}-${++uid}`;

/** A labelled form field: the label, the control and an optional hint. */
export function field(label, control, hint) {
  if (!control.id) control.id = nextId("f");
  const parts = [h("label", { for: control.id, text: label }), control];
  if (hint) {
    const hintId = nextId("hint");
    control.setAttribute("aria-describedby", hintId);
    parts.push(h("p", { class: "hint", id: hintId, text: hint }));
  }
  return h("div", { class: "field" }, parts);
}

/** An alert that reads an error out; empty when there is none. */
export function errorBox() {
  const box = h("div", { class: "error", role: "alert", hidden: true });
  box.show = (err) => {
    box.textContent = err ? err.message || String(err) : "";
    box.hidden = !err;
  };
  return box;
}

export function toast(text) {
  const el = document.getElementById("toast");
  el.textContent = text;
  el.classList.add("shown");
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => el.classList.remove("shown"), 4000);
}

/** A modal question with two buttons; resolves true when confirmed. */
export function confirmDialog(question, confirmLabel, danger = true) {
  return new Promise((resolve) => {
    const titleId = nextId("dlg");
    const dialog = h("dialog", { "aria-labelledby": titleId, class: "dialog" }, [
      h("p", { id: titleId, text: question }),
    ]);
    const back = document.activeElement;
    const done = (answer) => {
      dialog.close();
      back?.focus?.();
      dialog.remove();
      resolve(answer);
    };
    const cancel = h("button", { type: "button", text: "Cancel", onclick: () => done(false) });
    const ok = h("button", {
      type: "button",
      class: danger ? "danger" : "primary",
      text: confirmLabel,
      onclick: () => done(true),
    });
    dialog.append(h("div", { class: "actions" }, [cancel, ok]));
    dialog.addEventListener("cancel", (e) => {
      e.preventDefault();
      done(false);
    });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus();
  });
}

/** A modal showing content, closed by its button or Escape. */
export function showDialog(title, content) {
  const titleId = nextId("dlg");
  const close = h("button", { type: "button", text: "Close" });
  const dialog = h("dialog", { "aria-labelledby": titleId, class: "dialog wide" }, [
    h("div", { class: "dialog-head" }, [h("h2", { id: titleId, text: title }), close]),
    content,
  ]);
  const back = document.activeElement;
  close.addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => {
    dialog.remove();
    back?.focus?.(); // keyboard users continue where they opened it
  });
  document.body.append(dialog);
  dialog.showModal();
  close.focus();
  return dialog;
}

/** Runs `work` with the button disabled, showing any error in `box`. */
export async function busy(button, box, work) {
  if (button) button.disabled = true;
  box?.show(null);
  try {
    return await work();
  } catch (err) {
    if (box) box.show(err);
    else toast(err.message);
    return undefined;
  } finally {
    if (button) button.disabled = false;
  }
}

export const fmt = {
  bytes(n) {
    if (n == null) return "";
    if (n < 1024) return `${n} B`;
    if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
    return `${(n / 1024 / 1024).toFixed(1)} MB`;
  },
  date(iso, timeZone) {
    if (!iso) return "–";
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return String(iso);
    try {
      return d.toLocaleString(undefined, timeZone ? { timeZone } : {});
    } catch {
      return d.toLocaleString();
    }
  },
  pct(x) {
    return x == null ? "–" : `${Math.round(x * 100)}%`;
  },
  num(x) {
    return x == null ? "–" : Number(x).toLocaleString();
  },
};

/** A table in a scrollable, focusable region (readable on narrow screens). */
export function table(caption, headers, rows) {
  const t = h("table", {}, [
    h("caption", { text: caption }),
    h("thead", {}, h("tr", {}, headers.map((x) => h("th", { scope: "col", text: x })))),
    h("tbody", {}, rows.length ? rows : h("tr", {}, h("td", { colspan: headers.length, class: "empty", text: "Nothing yet." }))),
  ]);
  return h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": caption }, t);
}

export const row = (cells) => h("tr", {}, cells.map((c) => (c instanceof Node && c.tagName === "TD" ? c : h("td", {}, c))));
