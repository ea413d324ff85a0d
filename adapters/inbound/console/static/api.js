// The console's only door to the server: the public API with an access token kept in
// memory, and the cookie session (/console/session) that mints it.

const SESSION = "/console/session";
let access = null;
let expiresAt = 0;
let refreshing = null;
let timer = 0;

/** Fires "token" (a new access token) and "signed-out". */
export const session = new EventTarget();

export class ApiError extends Error {
  constructor(status, problem) {
    super(describe(status, problem));
    this.status = status;
    this.problem = problem || {};
    this.code = this.problem.code || "";
  }
}

/** A readable sentence from RFC 9457 problem details. */
export function describe(status, problem) {
  if (!problem || typeof problem !== "object") {
    return status ? `The server answered ${status}.` : "The server could not be reached.";
  }
  let text = problem.detail || problem.title || `The server answered ${status}.`;
  if (Array.isArray(problem.errors) && problem.errors.length) {
    text += " " + problem.errors.map((e) => `${e.field}: ${e.message}`).join("; ");
  }
  if (status === 404 && problem.code === "not_found" && /^not found$/i.test(text.trim())) {
    text = "This part of the API is not available on this server (404).";
  }
  return text;
}

async function readBody(response) {
  if (response.status === 204) return null;
  const type = response.headers.get("content-type") || "";
  if (type.includes("json")) return response.json();
  return response.text();
}

async function send(method, path, { body, headers = {}, token } = {}) {
  const init = { method, headers: { ...headers }, credentials: "same-origin" };
  if (token) init.headers.Authorization = `Bearer ${token}`;
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, null);
  }
  const data = await readBody(response).catch(() => null);
  if (!response.ok) throw new ApiError(response.status, typeof data === "object" ? data : null);
  return data;
}

function keep(out) {
  access = out.access_token;
  expiresAt = Date.now() + out.expires_in * 1000;
  clearTimeout(timer);
  // Renew a minute before expiry, so the inbox socket never sees an expired token.
  timer = setTimeout(() => refresh().catch(() => {}), Math.max(5, out.expires_in - 60) * 1000);
  session.dispatchEvent(new CustomEvent("token", { detail: access }));
  return out;
}

function forget() {
  access = null;
  expiresAt = 0;
  clearTimeout(timer);
}

export const signIn = async (email, password) =>
  keep(await send("POST", SESSION, { body: { email, password } }));

export const signUp = async (fields) => keep(await send("POST", `${SESSION}/signup`, { body: fields }));

/** A new access token from the HttpOnly cookie; one at a time, across tabs too (a refresh
 * token is spent once: two tabs spending it together would end the session). */
export function refresh() {
  if (!refreshing) {
    const run = async () => keep(await send("POST", `${SESSION}/refresh`));
    const locked = navigator.locks ? navigator.locks.request("ccgpt-console-refresh", run) : run();
    refreshing = locked.finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

/** True when the cookie still holds a session. */
export async function restore() {
  try {
    await refresh();
    return true;
  } catch (err) {
    if (err.status === 401 || err.status === 403) return false;
    throw err;
  }
}

export async function signOut() {
  try {
    await send("DELETE", SESSION);
  } finally {
    forget();
    session.dispatchEvent(new Event("signed-out"));
  }
}

export function accessToken() {
  return access;
}

async function freshToken() {
  if (!access || Date.now() > expiresAt - 30000) await refresh();
  return access;
}

/** A call to the public API; a 401 renews the token once, then signs out. */
export async function api(method, path, body, headers) {
  let token;
  try {
    token = await freshToken();
  } catch (err) {
    if (err.status === 401) {
      forget();
      session.dispatchEvent(new Event("signed-out"));
    }
    throw err;
  }
  try {
    return await send(method, path, { body, headers, token });
  } catch (err) {
    if (err.status !== 401) throw err;
    try {
      token = (await refresh()).access_token;
    } catch {
      forget();
      session.dispatchEvent(new Event("signed-out"));
      throw err;
    }
    return send(method, path, { body, headers, token });
  }
}

function xhrSend(path, form, token, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", path);
    xhr.setRequestHeader("Authorization", `Bearer ${token}`);
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    });
    xhr.addEventListener("load", () => {
      let data = null;
      try {
        data = JSON.parse(xhr.responseText);
      } catch {
        /* not JSON: described by its status */
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(data);
      else reject(new ApiError(xhr.status, data));
    });
    xhr.addEventListener("error", () => reject(new ApiError(0, null)));
    xhr.send(form);
  });
}

/** A multipart upload with its progress (fetch cannot report an upload's progress). */
export async function upload(path, form, onProgress) {
  try {
    return await xhrSend(path, form, await freshToken(), onProgress);
  } catch (err) {
    if (err.status !== 401) throw err;
    return xhrSend(path, form, (await refresh()).access_token, onProgress);
  }
}

/** A file from the API (CSV), saved through a temporary link. */
export async function download(path, filename) {
  const token = await freshToken();
  const response = await fetch(path, { headers: { Authorization: `Bearer ${token}` } });
  if (!response.ok) {
    const data = await response.json().catch(() => null);
    throw new ApiError(response.status, data);
  }
  const url = URL.createObjectURL(await response.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export const qs = (params) => {
  const out = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") out.set(k, v);
  const text = out.toString();
  return text ? `?${text}` : "";
};
