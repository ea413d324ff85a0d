// Workspace: name and plan, usage against limits, members and roles, API keys.
import { api } from "./api.js";
import { busy, clear, confirmDialog, errorBox, field, fmt, h, row, table, toast } from "./dom.js";

export async function workspacePage(body, _args, ctx) {
  const role = ctx.me.role;
  const canManage = role === "owner" || role === "admin";
  const [ws, members, keys] = await Promise.all([
    api("GET", "/api/v1/workspace"),
    api("GET", "/api/v1/workspace/members?limit=100"),
    canManage ? api("GET", "/api/v1/api-keys?limit=100") : Promise.resolve(null),
  ]);

  // --- name and plan -----------------------------------------------------------------------
  const nameInput = h("input", { name: "name", value: ws.name, required: true, disabled: !canManage });
  const plan = h("select", { name: "plan", disabled: role !== "owner" }, ["free", "pro", "enterprise"].map((p) => h("option", { value: p, text: p, selected: p === ws.plan })));
  const wsError = errorBox();
  const saveName = h("button", { type: "submit", text: "Rename", disabled: !canManage });
  const nameForm = h("form", { class: "inline-form" }, [field("Workspace name", nameInput), saveName]);
  nameForm.addEventListener("submit", (e) => {
    e.preventDefault();
    busy(saveName, wsError, async () => {
      await api("PATCH", "/api/v1/workspace", { name: nameInput.value.trim() });
      toast("Workspace renamed.");
    });
  });
  plan.addEventListener("change", () =>
    busy(plan, wsError, async () => {
      await api("PUT", "/api/v1/workspace/plan", { plan: plan.value });
      toast(`Plan changed to ${plan.value}.`);
      clear(body);
      await workspacePage(body, _args, ctx); // new limits, and what they now allow
      body.querySelector("select[name=plan]")?.focus();
    }));

  const limit = (n) => (n < 0 ? "unlimited" : fmt.num(n));
  const usageRow = (label, used, max, show = fmt.num) => {
    const meter = max > 0 ? h("meter", { min: "0", max: String(max), value: String(Math.min(used, max)), "aria-label": `${label} used` }) : null;
    return row([label, show(used), max < 0 ? "unlimited" : show(max), meter || ""]);
  };
  const L = ws.limits;
  const U = ws.usage;
  const usage = table("Usage this month against the plan's limits", ["What", "Used", "Limit", ""], [
    usageRow("Documents", U.documents, L.documents),
    usageRow("Storage", U.storage_bytes, L.storage_mb < 0 ? -1 : L.storage_mb * 1024 * 1024, fmt.bytes),
    usageRow("Messages", U.messages_this_month, L.messages_per_month),
    usageRow("Embed codes", U.embed_codes, L.embed_codes),
    usageRow("Seats", U.seats, L.seats),
  ]);

  // --- members -------------------------------------------------------------------------------
  const membersBox = h("div");
  const memberError = errorBox();
  function drawMembers(items) {
    clear(membersBox).append(table("Members", ["Name", "Email", "Role", ""], items.map((m) => {
      const self = ctx.me.user && ctx.me.user.id === m.user_id;
      let roleCell = m.role;
      if (role === "owner" && m.role !== "owner") {
        roleCell = h("select", { "aria-label": `Role of ${m.full_name}` }, ["admin", "agent"].map((r) => h("option", { value: r, text: r, selected: r === m.role })));
        roleCell.addEventListener("change", (e) => busy(e.target, memberError, async () => {
          await api("PATCH", `/api/v1/workspace/members/${m.user_id}`, { role: e.target.value });
          toast(`${m.full_name} is now ${e.target.value}.`);
        }));
      }
      const remove = canManage && !self && m.role !== "owner"
        ? h("button", { type: "button", class: "danger", text: "Remove", "aria-label": `Remove ${m.full_name}`, onclick: async (e) => {
            if (!(await confirmDialog(`Remove ${m.full_name}? They are signed out at once.`, "Remove"))) return;
            busy(e.target, memberError, async () => {
              await api("DELETE", `/api/v1/workspace/members/${m.user_id}`);
              drawMembers((await api("GET", "/api/v1/workspace/members?limit=100")).items);
            });
          } })
        : "";
      return row([m.full_name, m.email, roleCell, remove]);
    })));
  }
  drawMembers(members.items);
  const mEmail = h("input", { type: "email", name: "email", required: true, autocomplete: "off" });
  const mName = h("input", { name: "full_name", required: true, autocomplete: "off" });
  const mRole = h("select", { name: "role" }, ["agent", "admin"].map((r) => h("option", { value: r, text: r })));
  const mPassword = h("input", { type: "password", name: "password", required: true, minlength: "10", autocomplete: "new-password" });
  const addMember = h("button", { type: "submit", text: "Add member" });
  const memberForm = h("form", { class: "stack card" }, [
    h("h3", { text: "Add a member" }),
    field("Email", mEmail), field("Name", mName), field("Role", mRole),
    field("First password", mPassword, "Give it to them; at least 10 characters."), addMember,
  ]);
  memberForm.addEventListener("submit", (e) => {
    e.preventDefault();
    busy(addMember, memberError, async () => {
      await api("POST", "/api/v1/workspace/members", { email: mEmail.value.trim(), full_name: mName.value.trim(), role: mRole.value, password: mPassword.value });
      memberForm.reset();
      toast("Member added.");
      drawMembers((await api("GET", "/api/v1/workspace/members?limit=100")).items);
    });
  });

  // --- API keys ------------------------------------------------------------------------------
  const keysBox = h("div");
  const keyError = errorBox();
  const shown = h("div", { class: "once", hidden: true, role: "status" });
  function drawKeys(items) {
    clear(keysBox).append(table("API keys", ["Name", "Starts with", "Created", "Last used", ""], items.map((k) =>
      row([k.name, h("code", { text: k.prefix }), fmt.date(k.created_at), fmt.date(k.last_used_at),
        h("button", { type: "button", class: "danger", text: "Revoke", "aria-label": `Revoke ${k.name}`, onclick: async (e) => {
          if (!(await confirmDialog(`Revoke “${k.name}”? Programs using it stop working at once.`, "Revoke"))) return;
          busy(e.target, keyError, async () => {
            await api("DELETE", `/api/v1/api-keys/${k.id}`);
            drawKeys((await api("GET", "/api/v1/api-keys?limit=100")).items);
          });
        } })]))));
  }
  const keyName = h("input", { name: "key_name", required: true });
  const createKey = h("button", { type: "submit", text: "Create key" });
  const keyForm = h("form", { class: "inline-form" }, [field("Key name", keyName), createKey]);
  keyForm.addEventListener("submit", (e) => {
    e.preventDefault();
    busy(createKey, keyError, async () => {
      const key = await api("POST", "/api/v1/api-keys", { name: keyName.value.trim() });
      keyForm.reset();
      const copy = h("button", { type: "button", text: "Copy key", onclick: () => navigator.clipboard.writeText(key.key).then(() => toast("Key copied."), () => toast("Select the key and copy it.")) });
      clear(shown).append(h("p", {}, [h("strong", { text: "Copy this key now: it is shown only once. " }), `(${key.name})`]), h("code", { class: "secret", text: key.key }), " ", copy);
      shown.hidden = false;
      drawKeys((await api("GET", "/api/v1/api-keys?limit=100")).items);
    });
  });

  body.append(
    h("section", { "aria-labelledby": "ws-h" }, [h("h2", { id: "ws-h", text: "Workspace and plan" }), nameForm, field("Plan", plan, role === "owner" ? "Stands in for billing." : "Only the owner changes the plan."), wsError, usage]),
    h("section", { "aria-labelledby": "m-h" }, [h("h2", { id: "m-h", text: "Members" }), memberError, membersBox, canManage ? memberForm : null]),
    canManage ? h("section", { "aria-labelledby": "k-h" }, [h("h2", { id: "k-h", text: "API keys" }), h("p", { text: "For your own programs calling the API. Keep them secret." }), keyForm, keyError, shown, keysBox]) : null,
  );
  if (keys) drawKeys(keys.items);
}
