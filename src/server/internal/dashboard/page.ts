/**
 * The dashboard's HTML: one small shell per page (the list at `/`, a hook at
 * `/hooks/:id`); the script fills it from the JSON endpoints. Every value
 * that comes from outside goes through {@link escapeHtml}.
 *
 * @internal
 */
import { SCRIPT_PATH, STYLE_PATH } from "./paths.js"

const ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  "\"": "&quot;",
  "'": "&#39;"
}

/**
 * Text safe inside HTML elements and quoted attribute values.
 *
 * @internal
 */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char)

/** Which page the shell is for. @internal */
export type View =
  | { readonly _tag: "List" }
  | { readonly _tag: "Hook"; readonly id: string }
  | { readonly _tag: "Error"; readonly title: string; readonly message: string }

const viewAttributes = (view: View): string =>
  view._tag === "List"
    ? `data-view="list"`
    : view._tag === "Hook"
    ? `data-view="hook" data-hook-id="${escapeHtml(view.id)}"`
    : `data-view="error"`

const initialContent = (view: View): string =>
  view._tag === "Error"
    ? `<h1>${escapeHtml(view.title)}</h1><p class="notice notice-error" role="alert">${
      escapeHtml(view.message)
    }</p><p><a href="/">← All hooks</a></p>`
    : `<p class="loading">Loading…</p><noscript><p class="notice">This dashboard needs JavaScript. The same data is served as JSON under <code>/_dashboard/api/hooks</code>.</p></noscript>`

const pageTitle = (view: View, projectName: string): string =>
  `${view._tag === "Hook" ? `Hook ${view.id.slice(0, 8)} · ` : view._tag === "Error" ? `${view.title} · ` : "Hooks · "}${projectName}`

/**
 * The page. `script: false` for a refused request: the script would only be
 * refused too.
 *
 * @internal
 */
export const render = (view: View, projectName: string, options: { readonly script?: boolean } = {}): string =>
  `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${escapeHtml(pageTitle(view, projectName))}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${STYLE_PATH}">
${options.script === false ? "" : `<script src="${SCRIPT_PATH}" defer></script>\n`}</head>
<body ${viewAttributes(view)}>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <div class="top-row">
    <a class="brand" href="/">Posthook <span class="brand-tag">local</span></a>
    <span class="project">${escapeHtml(projectName)}</span>
    <span id="live" class="live" role="status" aria-live="polite">connecting…</span>
  </div>
  <dl id="config" class="config" aria-label="Server configuration"></dl>
</header>
<main id="main" tabindex="-1">
${initialContent(view)}
</main>
</body>
</html>
`
