// The console: sign in or up, then one view per page, chosen by the URL fragment.
import { api, restore, session, signIn, signOut, signUp } from "./api.js";
import { busy, clear, errorBox, field, h, toast } from "./dom.js";
import { knowledgePage } from "./knowledge.js";
import { embedsPage } from "./embeds.js";
import { inboxPage } from "./inbox.js";
import { analyticsPage } from "./analytics.js";
import { workspacePage } from "./workspace.js";

const main = document.getElementById("main");
const header = document.querySelector("header.top");
const PAGES = {
  "": ["Start", startPage],
  knowledge: ["Knowledge base", knowledgePage],
  embeds: ["Embed codes", embedsPage],
  inbox: ["Inbox", inboxPage],
  analytics: ["Analytics", analyticsPage],
  workspace: ["Workspace", workspacePage],
};
export const ctx = { me: null, leave: null };
let signedIn = false;

function route() {
  const [name, ...rest] = location.hash.replace(/^#\/?/, "").split("/");
  return { name: name in PAGES ? name : "", args: rest.map(decodeURIComponent) };
}

async function render() {
  if (ctx.leave) ctx.leave();
  ctx.leave = null;
  if (!signedIn) return showAuth();
  const { name, args } = route();
  const [title, page] = PAGES[name];
  document.title = `${title} · CustomerCareGPT console`;
  for (const link of header.querySelectorAll("nav a")) {
    const current = link.getAttribute("href") === `#/${name}`;
    if (current) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  clear(main);
  const heading = h("h1", { text: title, tabindex: "-1" });
  const body = h("div", { class: "page" });
  main.append(heading, body);
  heading.focus({ preventScroll: true });
  try {
    ctx.leave = (await page(body, args, ctx)) || null;
  } catch (err) {
    const box = errorBox();
    box.show(err);
    body.append(box);
  }
}

function showAuth() {
  header.hidden = true;
  clear(main);
  const signingUp = location.hash === "#/signup";
  document.title = `${signingUp ? "Create an account" : "Sign in"} · CustomerCareGPT console`;
  const box = errorBox();
  const email = h("input", { type: "email", name: "email", autocomplete: "username", required: true });
  const password = h("input", {
    type: "password",
    name: "password",
    required: true,
    minlength: "10",
    maxlength: "128",
    autocomplete: signingUp ? "new-password" : "current-password",
  });
  const fullName = h("input", { name: "full_name", autocomplete: "name", required: true });
  const workspace = h("input", { name: "workspace_name", autocomplete: "organization", required: true });
  const submit = h("button", { type: "submit", class: "primary", text: signingUp ? "Create account" : "Sign in" });
  const form = h("form", { class: "card auth", novalidate: true }, [
    h("h1", { text: signingUp ? "Create your account" : "Sign in to the console" }),
    signingUp ? h("p", { text: "A workspace for your team, its documents and its chat widget." }) : null,
    signingUp ? field("Your name", fullName) : null,
    signingUp ? field("Company or workspace name", workspace) : null,
    field("Email", email),
    field("Password", password, signingUp ? "At least 10 characters." : undefined),
    box,
    submit,
    h("p", {}, signingUp
      ? ["Already have an account? ", h("a", { href: "#/signin", text: "Sign in" })]
      : ["New here? ", h("a", { href: "#/signup", text: "Create an account" })]),
  ]);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(submit, box, async () => {
      if (signingUp) {
        await signUp({
          email: email.value.trim(),
          password: password.value,
          full_name: fullName.value.trim(),
          workspace_name: workspace.value.trim(),
        });
      } else {
        await signIn(email.value.trim(), password.value);
      }
      await enter(signingUp ? "#/" : null);
    });
  });
  main.append(form);
  (signingUp ? fullName : email).focus();
}

async function enter(hash) {
  ctx.me = await api("GET", "/api/v1/me");
  signedIn = true;
  header.hidden = false;
  // Agents handle conversations; embed codes are for owners and admins.
  for (const link of header.querySelectorAll("nav a")) {
    link.parentElement.hidden = ctx.me.role === "agent" && link.getAttribute("href") === "#/embeds";
  }
  const who = document.getElementById("who");
  who.textContent = `${ctx.me.user ? ctx.me.user.full_name : "API key"} · ${ctx.me.workspace.name} (${ctx.me.role})`;
  if (hash && location.hash !== hash) location.hash = hash;
  else if (/^#\/(signin|signup)$/.test(location.hash)) location.hash = "#/";
  else render();
}

session.addEventListener("signed-out", () => {
  if (!signedIn) return;
  signedIn = false;
  ctx.me = null;
  toast("You are signed out.");
  render();
});

document.getElementById("sign-out").addEventListener("click", () => {
  signOut().catch(() => {});
});

window.addEventListener("hashchange", render);

async function startPage(body) {
  if (ctx.me.role === "agent") {
    body.append(
      h("p", { text: `Welcome, ${ctx.me.user ? ctx.me.user.full_name : ""}.` }),
      h("ul", {}, [
        h("li", {}, [h("a", { href: "#/inbox", text: "Open the inbox" }), ": conversations arrive live; take one over and reply."]),
        h("li", {}, [h("a", { href: "#/knowledge", text: "Search the knowledge base" }), ": see what the bot would answer from."]),
        h("li", {}, [h("a", { href: "#/analytics", text: "Analytics" }), ": what visitors ask, and what the documents miss."]),
      ]),
    );
    return;
  }
  const [docs, codes] = await Promise.all([
    api("GET", "/api/v1/documents?limit=100"),
    api("GET", "/api/v1/embed-codes?limit=100"),
  ]);
  const ready = docs.items.filter((d) => d.status === "ready").length;
  const step = (done, title, text, href, action) =>
    h("li", { class: done ? "step done" : "step" }, [
      h("h2", {}, [h("span", { class: "tick", "aria-hidden": "true", text: done ? "✓" : "" }), title]),
      h("p", { text }),
      h("a", { href, class: "button", text: action }),
      done ? h("span", { class: "visually-hidden", text: " (done)" }) : null,
    ]);
  body.append(
    h("p", { text: `Welcome, ${ctx.me.user ? ctx.me.user.full_name : ""}. Three steps put a support bot on your site.` }),
    h("ol", { class: "steps" }, [
      step(ready > 0, "Add what the bot knows", ready ? `${ready} document(s) ready.` : "Upload PDFs, Word files, HTML, Markdown or text.", "#/knowledge", "Open knowledge base"),
      step(codes.items.length > 0, "Create an embed code", codes.items.length ? `${codes.items.length} embed code(s).` : "Style the widget, choose the sites it may run on, and try it in the preview.", codes.items.length ? "#/embeds" : "#/embeds/new", codes.items.length ? "Open embed codes" : "Create an embed code"),
      step(false, "Answer your visitors", "Watch conversations live, take one over and reply yourself.", "#/inbox", "Open the inbox"),
    ]),
  );
}

async function boot() {
  try {
    if (await restore()) return await enter(null);
  } catch (err) {
    toast(err.message);
  }
  signedIn = false;
  render();
}

boot();
