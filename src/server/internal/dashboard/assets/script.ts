/**
 * The dashboard's script, served as `/_dashboard/app.js`: plain JavaScript
 * for any current browser, no build step, no dependencies.
 *
 * It renders the list (`data-view="list"`) or a hook's page
 * (`data-view="hook"`) from the JSON API, re-reads it whenever the event
 * stream says something happened, and builds every element with DOM calls
 * (`textContent`, `setAttribute`): server data never goes through
 * `innerHTML`. Re-renders keep the focused control and the open attempts, so
 * live updates do not disturb keyboard use.
 *
 * Kept as a string so that the bundled library serves it as is; the tests
 * compile it and drive it in Chromium.
 *
 * @internal
 */

/** @internal */
export const SCRIPT = String.raw`(() => {
  "use strict";

  const API = "/_dashboard/api";
  const STATUSES = ["pending", "retry", "completed", "failed"];
  const PHASES = { sending: "sending", awaiting_ack: "awaiting ack", awaiting_callback: "awaiting callback" };
  const TRANSPORTS = { http: "HTTP", websocket: "WebSocket", none: "not sent" };
  const LIMIT = 50;

  const view = document.body.getAttribute("data-view") || "list";
  const hookId = document.body.getAttribute("data-hook-id") || "";
  const main = document.getElementById("main");
  const liveEl = document.getElementById("live");
  const configEl = document.getElementById("config");
  let clockOffset = 0;
  const now = () => Date.now() + clockOffset;

  // ---------------------------------------------------------------- DOM

  function append(parent, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) {
      child.forEach((item) => append(parent, item));
      return;
    }
    parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }

  function h(tag, props, children) {
    const el = document.createElement(tag);
    if (props) {
      Object.keys(props).forEach((key) => {
        const value = props[key];
        if (value === null || value === undefined || value === false) return;
        if (key === "class") el.className = value;
        else if (key === "text") el.textContent = String(value);
        else if (key.slice(0, 2) === "on" && typeof value === "function") el.addEventListener(key.slice(2), value);
        else el.setAttribute(key, value === true ? "" : String(value));
      });
    }
    append(el, children);
    return el;
  }

  function setChildren(parent, children) {
    while (parent.firstChild) parent.removeChild(parent.firstChild);
    append(parent, children);
  }

  /** Re-render without losing the focused control (matched by data-focus). */
  function preserveFocus(render) {
    const active = document.activeElement;
    const key = active && active.getAttribute ? active.getAttribute("data-focus") : null;
    render();
    if (!key) return;
    const all = document.querySelectorAll("[data-focus]");
    for (let i = 0; i < all.length; i++) {
      if (all[i].getAttribute("data-focus") === key) {
        if (all[i] !== document.activeElement) all[i].focus({ preventScroll: true });
        return;
      }
    }
  }

  // ---------------------------------------------------------------- formatting

  const dateFormat = new Intl.DateTimeFormat(undefined, {
    year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit"
  });
  const fmtTime = (ms) => dateFormat.format(new Date(ms));

  function span(ms) {
    const s = Math.round(Math.abs(ms) / 1000);
    if (s < 60) return s + " s";
    const m = Math.round(s / 60);
    if (m < 60) return m + " min";
    const hours = Math.floor(m / 60);
    if (hours < 48) return hours + " h" + (m % 60 === 0 || hours >= 10 ? "" : " " + (m % 60) + " min");
    return Math.round(hours / 24) + " d";
  }

  function fmtMs(ms) {
    return ms < 1000 ? ms + " ms" : (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + " s";
  }

  /** "in 4 min", "2 s late" (for what is due), "5 min ago". */
  function relative(ms, mode) {
    const diff = ms - now();
    if (Math.abs(diff) < 1000) return { text: mode === "due" ? "due now" : "just now", late: false };
    if (diff > 0) return { text: "in " + span(diff), late: false };
    if (mode === "due") return { text: span(diff) + " late", late: true };
    return { text: span(diff) + " ago", late: false };
  }

  function updateRel(el) {
    const r = relative(Number(el.getAttribute("data-at")), el.getAttribute("data-mode"));
    if (el.textContent !== r.text) el.textContent = r.text;
    el.classList.toggle("late", r.late);
  }

  function relSpan(ms, mode) {
    const el = h("span", { class: "rel", "data-at": String(ms), "data-mode": mode });
    updateRel(el);
    return el;
  }

  function timeEl(ms, mode) {
    const iso = new Date(ms).toISOString();
    return h("time", { class: "when", datetime: iso, title: iso }, [h("span", { class: "abs", text: fmtTime(ms) }), relSpan(ms, mode)]);
  }

  /** postAt is "due" while nothing was attempted yet; afterwards it is history. */
  const dueMode = (hook) => hook.status === "pending" && hook.attempts === 0 && !hook.inFlight ? "due" : "past";

  const badge = (status) => h("span", { class: "badge badge-" + status, "data-field": "status-badge", text: status });

  function resultClass(label) {
    if (/^2\d\d$/.test(label) || label === "ack" || label === "202 → ack") return "code-ok";
    if (label === "in flight" || label === "accepted" || /accepted$/.test(label)) return "code-wait";
    return "code-bad";
  }

  const transportName = (transport) => TRANSPORTS[transport] || transport;

  function truncate(text, max) {
    return text.length > max ? text.slice(0, max - 1) + "…" : text;
  }

  function policyText(p) {
    const base = p.minRetries + (p.minRetries === 1 ? " retry" : " retries");
    if (p.strategy !== "exponential") return base + ", " + p.delaySecs + " s apart" + (p.jitter ? ", with jitter" : "");
    return base + ", exponential from " + p.delaySecs + " s (×" + (p.backoffFactor || 2) + ", at most " +
      (p.maxDelaySecs || 3600) + " s)" + (p.jitter ? ", with jitter" : "");
  }

  function statusNote(hook) {
    if (hook.inFlight) {
      return h("span", { class: "sub", text: (PHASES[hook.inFlight.phase] || hook.inFlight.phase) + " via " + transportName(hook.inFlight.transport) });
    }
    if (hook.status === "retry" && hook.nextAttemptAt !== null) return h("span", { class: "sub" }, ["next try ", relSpan(hook.nextAttemptAt, "due")]);
    if (hook.status === "failed" && hook.failureError) return h("span", { class: "sub", title: hook.failureError, text: truncate(hook.failureError, 60) });
    return null;
  }

  // ---------------------------------------------------------------- server

  async function api(path, init) {
    let response;
    try {
      response = await fetch(API + path, Object.assign({
        cache: "no-store",
        headers: { "Accept": "application/json", "X-Posthook-Dashboard": "1" }
      }, init || {}));
    } catch (error) {
      return { ok: false, status: 0, error: "Cannot reach the local Posthook server. Is it still running?" };
    }
    let data = null;
    try {
      data = await response.json();
    } catch (error) {
      data = null;
    }
    if (!response.ok) {
      const message = data && typeof data.error === "string" ? data.error : "The server answered HTTP " + response.status + ".";
      return { ok: false, status: response.status, error: message };
    }
    return { ok: true, status: response.status, data: data };
  }

  // ---------------------------------------------------------------- copy

  function flashButton(button, text) {
    const original = button.getAttribute("data-label") || button.textContent;
    button.setAttribute("data-label", original);
    button.textContent = text;
    setTimeout(() => { button.textContent = original; }, 1500);
  }

  async function copyText(text, button) {
    let ok = false;
    try {
      if (navigator.clipboard && window.isSecureContext) {
        await navigator.clipboard.writeText(text);
        ok = true;
      }
    } catch (error) {
      ok = false;
    }
    if (!ok) {
      const area = h("textarea", { readonly: true, "aria-hidden": "true" });
      area.value = text;
      area.style.position = "fixed";
      area.style.left = "-10000px";
      document.body.appendChild(area);
      area.select();
      try {
        ok = document.execCommand("copy");
      } catch (error) {
        ok = false;
      }
      area.remove();
      button.focus();
    }
    flashButton(button, ok ? "Copied" : "Copy failed");
  }

  function copyButton(text, focusKey, label) {
    return h("button", {
      type: "button", class: "btn btn-small", "data-focus": focusKey, "aria-label": label,
      onclick: (event) => copyText(text, event.currentTarget)
    }, "Copy");
  }

  async function copyKey(which, index, button) {
    const result = await api("/keys");
    if (!result.ok) {
      flashButton(button, "Copy failed");
      return;
    }
    const value = which === "api" ? result.data.apiKey : result.data.signingKeys[index];
    await copyText(value, button);
  }

  // ---------------------------------------------------------------- header

  let lastOverview = "";

  function configItem(label, value, field) {
    return h("div", { "data-config": field }, [h("dt", { text: label }), h("dd", null, value)]);
  }

  function keyValue(masked, which, index, name) {
    return [
      h("code", { text: masked }),
      h("button", {
        type: "button", class: "btn btn-small", "data-focus": "key:" + which + ":" + index,
        "aria-label": "Copy the full " + name, onclick: (event) => copyKey(which, index, event.currentTarget)
      }, "Copy")
    ];
  }

  function renderConfig(o) {
    const listeners = o.listeners;
    const forward = listeners.filter((listener) => listener.forward).length;
    const quota = o.quota.limit === null
      ? o.quota.usage + " used (unlimited)"
      : o.quota.usage + " / " + o.quota.limit + " used";
    const signing = o.keys.signingKeys.map((masked, i) =>
      configItem(o.keys.signingKeys.length > 1 ? "Signing key " + (i + 1) : "Signing key", keyValue(masked, "signing", i, "signing key"), "signing-key")
    );
    setChildren(configEl, [
      configItem("Target", o.targetOrigin ? h("code", { text: o.targetOrigin }) : h("span", { class: "muted", text: "none (WebSocket only)" }), "target"),
      configItem("WebSocket", [
        h("span", { class: listeners.length > 0 ? "dot on" : "dot", "aria-hidden": "true" }),
        listeners.length === 0
          ? "no listener"
          : listeners.length + (listeners.length === 1 ? " listener" : " listeners") + " connected" + (forward > 0 ? " (" + forward + " forward)" : "")
      ], "websocket"),
      configItem("Async hooks", o.asyncHooks ? "on" : "off", "async"),
      configItem("Quota", quota, "quota"),
      configItem("Store", o.store, "store"),
      configItem("API key", keyValue(o.keys.apiKey, "api", 0, "API key"), "api-key"),
      signing
    ]);
  }

  async function refreshOverview() {
    const result = await api("/overview");
    if (!result.ok) return;
    const o = result.data;
    clockOffset = o.serverTime - Date.now();
    const key = JSON.stringify(Object.assign({}, o, { serverTime: 0 }));
    if (key === lastOverview) return;
    lastOverview = key;
    preserveFocus(() => renderConfig(o));
  }

  // ---------------------------------------------------------------- list

  const filters = { status: "", path: "", q: "", offset: 0 };
  let lastList = "";
  let prevButton = null;
  let nextButton = null;
  let typingTimer = null;

  function readFilters() {
    const p = new URLSearchParams(location.search);
    const status = p.get("status") || "";
    filters.status = STATUSES.indexOf(status) >= 0 ? status : "";
    filters.path = (p.get("path") || "").trim();
    filters.q = (p.get("q") || "").trim();
    filters.offset = Math.max(0, parseInt(p.get("offset") || "0", 10) || 0);
  }

  function writeFilters() {
    const p = new URLSearchParams();
    if (filters.status) p.set("status", filters.status);
    if (filters.path) p.set("path", filters.path);
    if (filters.q) p.set("q", filters.q);
    if (filters.offset > 0) p.set("offset", String(filters.offset));
    const query = p.toString();
    history.replaceState(null, "", query ? "?" + query : location.pathname);
  }

  function filtersChanged(immediate) {
    writeFilters();
    lastList = "";
    clearTimeout(typingTimer);
    if (immediate) scheduleRefresh(0);
    else typingTimer = setTimeout(() => scheduleRefresh(0), 250);
  }

  function initList() {
    readFilters();
    const status = h("select", { id: "f-status", name: "status" }, [
      h("option", { value: "", text: "All" }),
      STATUSES.map((s) => h("option", { value: s, text: s }))
    ]);
    status.value = filters.status;
    status.addEventListener("change", () => {
      filters.status = status.value;
      filters.offset = 0;
      filtersChanged(true);
    });
    const path = h("input", {
      id: "f-path", class: "path", type: "text", name: "path", placeholder: "/webhooks/…",
      autocomplete: "off", spellcheck: "false"
    });
    path.value = filters.path;
    path.addEventListener("input", () => {
      filters.path = path.value.trim();
      filters.offset = 0;
      filtersChanged(false);
    });
    const q = h("input", {
      id: "f-q", type: "search", name: "q", placeholder: "id or part of it",
      autocomplete: "off", spellcheck: "false", "aria-keyshortcuts": "/"
    });
    q.value = filters.q;
    q.addEventListener("input", () => {
      filters.q = q.value.trim();
      filters.offset = 0;
      filtersChanged(false);
    });
    const clear = h("button", { type: "button", class: "btn", id: "f-clear" }, "Clear");
    clear.addEventListener("click", () => {
      filters.status = "";
      filters.path = "";
      filters.q = "";
      filters.offset = 0;
      status.value = "";
      path.value = "";
      q.value = "";
      filtersChanged(true);
    });
    prevButton = h("button", { type: "button", class: "btn", "data-focus": "page:prev" }, "← Newer");
    prevButton.addEventListener("click", () => {
      filters.offset = Math.max(0, filters.offset - LIMIT);
      filtersChanged(true);
    });
    nextButton = h("button", { type: "button", class: "btn", "data-focus": "page:next" }, "Older →");
    nextButton.addEventListener("click", () => {
      filters.offset = filters.offset + LIMIT;
      filtersChanged(true);
    });
    const form = h("form", { class: "filters", role: "search", "aria-label": "Filter hooks" }, [
      h("label", null, ["Status", status]),
      h("label", null, ["Path (exact)", path]),
      h("label", null, [h("span", null, ["Search by id ", h("kbd", { title: "Press / to jump here", text: "/" })]), q]),
      clear
    ]);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      filtersChanged(true);
    });
    setChildren(main, [
      h("div", { class: "toolbar" }, [h("h1", { text: "Hooks" }), form]),
      h("p", { id: "list-error", class: "notice notice-error", role: "alert", hidden: true }),
      h("div", { class: "table-wrap" }, h("table", { id: "hooks", "aria-label": "Hooks, newest first" }, [
        h("thead", null, h("tr", null, [
          h("th", { scope: "col", text: "ID" }),
          h("th", { scope: "col", text: "Path" }),
          h("th", { scope: "col", text: "Status" }),
          h("th", { scope: "col", text: "Post at" }),
          h("th", { scope: "col", class: "num", text: "Attempts" }),
          h("th", { scope: "col", text: "Last response" })
        ])),
        h("tbody", { id: "rows" }, h("tr", null, h("td", { colspan: "6", class: "empty", text: "Loading…" })))
      ])),
      h("nav", { class: "pager", "aria-label": "Pages" }, [h("span", { id: "range", class: "muted" }), prevButton, nextButton])
    ]);
  }

  function lastCell(last) {
    if (!last) return h("span", { class: "muted", text: "—" });
    return [
      h("span", { class: resultClass(last.label), title: last.error || null, text: last.label }),
      last.durationMs === null ? null : h("span", { class: "muted", text: " · " + fmtMs(last.durationMs) }),
      h("span", { class: "sub", text: "attempt " + last.attempt + " · " + transportName(last.transport) })
    ];
  }

  function listRow(hook) {
    return h("tr", { "data-hook-id": hook.id, "data-status": hook.status }, [
      h("td", { class: "id" }, h("a", {
        href: "/hooks/" + encodeURIComponent(hook.id), title: hook.id, "aria-label": "Hook " + hook.id,
        "data-focus": "open:" + hook.id, text: hook.id.slice(0, 8)
      })),
      h("td", null, h("span", { class: "path", text: hook.path })),
      h("td", { "data-field": "status" }, [badge(hook.status), statusNote(hook)]),
      h("td", null, timeEl(hook.postAt, dueMode(hook))),
      h("td", { class: "num", "data-field": "attempts", text: hook.attempts }),
      h("td", { "data-field": "last" }, lastCell(hook.last))
    ]);
  }

  function renderList(page) {
    const rows = document.getElementById("rows");
    const filtered = filters.status || filters.path || filters.q;
    if (page.hooks.length === 0) {
      const message = filtered
        ? "No hooks match these filters."
        : page.offset > 0
        ? "No hooks on this page."
        : ["No hooks yet. Schedule one with the SDK, or run ", h("code", { text: "posthook hooks schedule --path /webhooks/test --in 10s" }), "."];
      setChildren(rows, h("tr", null, h("td", { colspan: "6", class: "empty" }, message)));
    } else {
      setChildren(rows, page.hooks.map(listRow));
    }
    const range = document.getElementById("range");
    range.textContent = page.hooks.length === 0
      ? ""
      : "Showing " + (page.offset + 1) + "–" + (page.offset + page.hooks.length) + (page.hasMore ? "" : " of " + (page.offset + page.hooks.length));
    prevButton.disabled = page.offset === 0;
    nextButton.disabled = !page.hasMore;
  }

  async function refreshList() {
    const p = new URLSearchParams();
    if (filters.status) p.set("status", filters.status);
    if (filters.path) p.set("path", filters.path);
    if (filters.q) p.set("q", filters.q);
    p.set("limit", String(LIMIT));
    p.set("offset", String(filters.offset));
    const query = p.toString();
    const result = await api("/hooks?" + query);
    const errorEl = document.getElementById("list-error");
    if (!result.ok) {
      if (result.status === 0) return;
      errorEl.textContent = result.error;
      errorEl.hidden = false;
      return;
    }
    errorEl.hidden = true;
    clockOffset = result.data.serverTime - Date.now();
    const key = query + JSON.stringify(result.data.hooks) + result.data.hasMore;
    if (key === lastList) return;
    lastList = key;
    preserveFocus(() => renderList(result.data));
  }

  // ---------------------------------------------------------------- one hook

  let lastHook = "";
  let acting = false;
  const openAttempts = new Map();

  function setFlash(kind, text) {
    const flash = document.getElementById("flash");
    setChildren(flash, text ? h("p", { class: "notice notice-" + kind, role: kind === "error" ? "alert" : null, text: text }) : null);
  }

  function initHook() {
    setChildren(main, [
      h("p", null, h("a", { href: "/", "data-focus": "back" }, "← All hooks")),
      h("div", { id: "flash", "aria-live": "polite" }),
      h("div", { id: "hook" }, h("p", { class: "loading", text: "Loading…" }))
    ]);
  }

  function fact(label, value) {
    return [h("dt", { text: label }), h("dd", null, value)];
  }

  function headersTable(headers) {
    const names = Object.keys(headers);
    if (names.length === 0) return h("p", { class: "muted small", text: "No headers." });
    return h("table", { class: "headers" }, h("tbody", null, names.map((name) =>
      h("tr", null, [h("td", { text: name }), h("td", { text: headers[name] })])
    )));
  }

  function attemptBody(a) {
    const req = a.request;
    const parts = [];
    if (req.url !== null) {
      parts.push(h("h3", null, ["Request ", h("code", { text: "POST " + req.url })]));
      parts.push(headersTable(req.headers));
      parts.push(h("h3", null, ["Body (the exact bytes that were signed)", copyButton(req.body, "copy:body:" + a.attempt, "Copy the request body")]));
      parts.push(h("pre", { class: "wrap", tabindex: "0", "data-field": "request-body", text: req.body }));
    } else if (req.connectionId !== null) {
      parts.push(h("h3", null, ["Frame sent to WebSocket listener ", h("code", { text: req.connectionId }), copyButton(req.body, "copy:frame:" + a.attempt, "Copy the frame")]));
      parts.push(h("pre", { class: "wrap", tabindex: "0", "data-field": "request-body", text: req.body }));
    } else {
      parts.push(h("p", { class: "muted", text: "Nothing was sent: no WebSocket listener was connected and no target origin is configured." }));
    }
    if (a.response) {
      parts.push(h("h3", null, ["Response ", h("span", { class: resultClass(String(a.response.status)), text: String(a.response.status) })]));
      parts.push(headersTable(a.response.headers));
      if (a.response.body) parts.push(h("pre", { class: "wrap", tabindex: "0", text: a.response.body }));
    }
    if (a.error) {
      parts.push(h("h3", { text: "Error" }));
      parts.push(h("p", { class: "code-bad", text: a.error }));
    }
    if (a.curl) {
      parts.push(h("h3", null, ["Replay with curl", copyButton(a.curl, "copy:curl:" + a.attempt, "Copy the curl command")]));
      parts.push(h("pre", { tabindex: "0", "data-field": "curl", text: a.curl }));
      parts.push(h("p", {
        class: "muted small",
        text: "Sends the same signed request again. The signature carries the original timestamp, so a receiver with the default 5-minute tolerance refuses it after that."
      }));
    }
    return parts;
  }

  function attemptEl(a, latest) {
    const key = String(a.attempt);
    const open = openAttempts.has(key) ? openAttempts.get(key) : latest;
    const details = h("details", { class: "attempt", "data-attempt": key, open: open });
    const summary = h("summary", { "data-focus": "attempt:" + key }, [
      h("strong", { text: "#" + a.attempt }),
      h("span", { class: resultClass(a.label), "data-field": "result", text: a.label }),
      h("span", { class: "muted", text: transportName(a.transport) }),
      timeEl(a.startedAt, "past"),
      a.durationMs === null ? null : h("span", { class: "muted", text: fmtMs(a.durationMs) }),
      a.error ? h("span", { class: "code-bad", title: a.error, text: truncate(a.error, 80) }) : null
    ]);
    // Remember what the user opened or closed; the latest attempt starts open.
    summary.addEventListener("click", () => openAttempts.set(key, !details.open));
    append(details, [summary, h("div", { class: "body" }, attemptBody(a))]);
    return details;
  }

  function actionButton(action, label, enabled, style, hint, status) {
    const button = h("button", {
      type: "button",
      class: "btn " + (enabled ? style : ""),
      "data-action": action,
      "data-focus": "action:" + action,
      "aria-disabled": enabled ? null : "true",
      title: enabled ? hint : hint + " (not for a " + status + " hook)"
    }, label);
    // A button that does not apply still answers: the server explains why.
    button.addEventListener("click", () => act(action, label, button));
    return button;
  }

  function renderHook(d) {
    const hook = d.hook;
    document.title = "Hook " + hook.id.slice(0, 8) + " · " + hook.path;
    const facts = h("dl", { class: "facts" }, [
      fact("Status", [badge(hook.status), statusNote(hook)]),
      fact("Post at", timeEl(hook.postAt, dueMode(hook))),
      fact("Attempts", hook.attempts + " in total, " + hook.cycleAttempts + " of " + hook.maxAttempts + " in this cycle"),
      hook.nextAttemptAt !== null ? fact("Next attempt", timeEl(hook.nextAttemptAt, "due")) : null,
      hook.inFlight
        ? fact("In flight", "attempt " + hook.inFlight.attempt + ", " + (PHASES[hook.inFlight.phase] || hook.inFlight.phase) + " via " + transportName(hook.inFlight.transport))
        : null,
      hook.failureError ? fact("Failure", h("span", { class: "code-bad", text: hook.failureError })) : null,
      hook.last && hook.last.durationMs !== null ? fact("Last response", [h("span", { class: resultClass(hook.last.label), text: hook.last.label }), " in " + fmtMs(hook.last.durationMs)]) : null,
      fact("Retry policy", policyText(hook.retryPolicy) + (hook.retryOverride ? " (this hook's override)" : " (project default)")),
      fact("Created", timeEl(hook.createdAt, "past")),
      fact("Updated", timeEl(hook.updatedAt, "past"))
    ]);
    const s = hook.status;
    setChildren(document.getElementById("hook"), [
      h("div", { class: "hook-head" }, [h("h1", { text: hook.path }), badge(hook.status)]),
      h("div", { class: "hook-id" }, [h("code", { text: hook.id }), copyButton(hook.id, "copy:id", "Copy the hook id")]),
      h("div", { class: "actions", role: "group", "aria-label": "Actions" }, [
        actionButton("retry", "Retry", d.actions.retry, "btn-primary", "Deliver a failed hook again, with a fresh retry budget", s),
        actionButton("replay", "Replay", d.actions.replay, "btn-primary", "Deliver a completed hook again", s),
        actionButton("deliver-now", "Deliver now", d.actions["deliver-now"], "btn-primary", "Make a pending hook due right now", s),
        actionButton("cancel", "Cancel", d.actions.cancel, "btn-danger", "Stop a pending hook: it will not be delivered", s)
      ]),
      h("div", { class: "grid" }, [
        h("section", { class: "card", "aria-labelledby": "facts-title" }, [h("h2", { id: "facts-title", text: "Details" }), facts]),
        h("section", { class: "card", "aria-labelledby": "data-title" }, [
          h("h2", { id: "data-title" }, ["Data", copyButton(hook.data, "copy:data", "Copy the data")]),
          h("pre", { tabindex: "0", "data-field": "data", text: hook.data })
        ])
      ]),
      h("h2", { id: "attempts-title", text: "Attempts (" + d.attempts.length + ")" }),
      d.attempts.length === 0
        ? h("p", { class: "muted", text: "No attempt yet." })
        : h("div", { class: "attempts", "aria-labelledby": "attempts-title" }, d.attempts.slice().reverse().map((a, i) => attemptEl(a, i === 0)))
    ]);
  }

  async function refreshHook() {
    const result = await api("/hooks/" + encodeURIComponent(hookId));
    if (!result.ok) {
      if (result.status === 0) return;
      const key = "error " + result.status + " " + result.error;
      if (key === lastHook) return;
      lastHook = key;
      setChildren(document.getElementById("hook"), [
        h("h1", { text: result.status === 404 ? "Hook not found" : "Cannot show this hook" }),
        h("p", { class: "notice notice-error", role: "alert", text: result.error })
      ]);
      return;
    }
    clockOffset = result.data.serverTime - Date.now();
    const key = JSON.stringify([result.data.hook, result.data.actions, result.data.attempts]);
    if (key === lastHook) return;
    lastHook = key;
    preserveFocus(() => renderHook(result.data));
  }

  async function act(action, label, button) {
    if (acting) return;
    acting = true;
    button.setAttribute("aria-busy", "true");
    setFlash("info", label + "…");
    const result = await api("/hooks/" + encodeURIComponent(hookId) + "/" + action, { method: "POST" });
    acting = false;
    button.removeAttribute("aria-busy");
    setFlash(result.ok ? "ok" : "error", result.ok ? result.data.message : result.error);
    lastHook = "";
    await refreshHook();
  }

  // ---------------------------------------------------------------- live updates

  let refreshTimer = null;
  let refreshing = false;
  let refreshAgain = false;

  function scheduleRefresh(delay) {
    if (refreshTimer !== null) return;
    refreshTimer = setTimeout(() => {
      refreshTimer = null;
      refresh();
    }, delay === undefined ? 150 : delay);
  }

  async function refresh() {
    if (refreshing) {
      refreshAgain = true;
      return;
    }
    refreshing = true;
    try {
      if (view === "list") await refreshList();
      else if (view === "hook") await refreshHook();
      await refreshOverview();
    } finally {
      refreshing = false;
      if (refreshAgain) {
        refreshAgain = false;
        scheduleRefresh(0);
      }
    }
  }

  function setLive(state) {
    liveEl.classList.toggle("is-live", state === "live");
    liveEl.classList.toggle("is-down", state === "down");
    liveEl.textContent = state === "live" ? "Live" : state === "down" ? "Reconnecting…" : "Connecting…";
  }

  function connect() {
    if (typeof EventSource === "undefined") {
      setLive("down");
      setInterval(() => scheduleRefresh(0), 3000);
      return;
    }
    const source = new EventSource(API + "/events");
    source.addEventListener("ready", (event) => {
      try {
        clockOffset = JSON.parse(event.data).serverTime - Date.now();
      } catch (error) {
        // keep the previous offset
      }
      setLive("live");
      scheduleRefresh(0);
    });
    source.addEventListener("message", (event) => {
      let batch = null;
      try {
        batch = JSON.parse(event.data);
      } catch (error) {
        return;
      }
      if (!Array.isArray(batch)) return;
      // A hook's page cares about its own hook, listeners, and the quota (a new hook).
      const relevant = view !== "hook" || batch.some((message) =>
        message.hookId === null || message.hookId === hookId || message.type === "HookScheduled"
      );
      if (relevant) scheduleRefresh();
    });
    source.addEventListener("error", () => {
      setLive("down");
      if (source.readyState === EventSource.CLOSED) setTimeout(connect, 3000);
    });
  }

  // ---------------------------------------------------------------- start

  document.addEventListener("keydown", (event) => {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT" || target.isContentEditable)) return;
    const search = document.getElementById("f-q");
    if (!search) return;
    event.preventDefault();
    search.focus();
    search.select();
  });

  setInterval(() => document.querySelectorAll(".rel[data-at]").forEach(updateRel), 1000);

  if (view === "list") initList();
  else if (view === "hook") initHook();
  setLive("connecting");
  scheduleRefresh(0);
  connect();
})();
`
