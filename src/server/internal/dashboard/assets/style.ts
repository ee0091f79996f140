/**
 * The dashboard's style sheet, served as `/_dashboard/app.css`. Plain CSS,
 * light and dark, no web fonts (works offline).
 *
 * @internal
 */

/** @internal */
export const STYLE = `
:root {
  --bg: #f5f6f8;
  --panel: #ffffff;
  --text: #1d2330;
  --muted: #5d6878;
  --border: #d9dee6;
  --row-hover: #f0f3f8;
  --accent: #2f55d4;
  --accent-text: #ffffff;
  --focus: #2f55d4;
  --code-bg: #f0f2f5;
  --pending: #1c64c8;
  --pending-bg: #e5efff;
  --retry: #9a5200;
  --retry-bg: #fff1dc;
  --completed: #217a3a;
  --completed-bg: #e2f5e7;
  --failed: #b42318;
  --failed-bg: #fde8e6;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
  color-scheme: light dark;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #14171c;
    --panel: #1c2027;
    --text: #e4e8ee;
    --muted: #9aa5b4;
    --border: #323844;
    --row-hover: #232833;
    --accent: #7f9dff;
    --accent-text: #10131a;
    --focus: #9db4ff;
    --code-bg: #242a33;
    --pending: #8fb8ff;
    --pending-bg: #1d2c45;
    --retry: #ffc27a;
    --retry-bg: #3a2a14;
    --completed: #7ad492;
    --completed-bg: #173322;
    --failed: #ff9a8f;
    --failed-bg: #3d1c1a;
  }
}
* { box-sizing: border-box; }
html { font-size: 15px; }
body {
  margin: 0;
  background: var(--bg);
  color: var(--text);
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  line-height: 1.45;
}
a { color: var(--accent); }
a:hover { text-decoration-thickness: 2px; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; border-radius: 3px; }
code, pre, .mono { font-family: var(--mono); font-size: 0.9em; }
h1 { font-size: 1.45rem; margin: 0; }
h2 { font-size: 1.1rem; margin: 1.6rem 0 0.6rem; }
.skip { position: absolute; left: -999px; top: 0; background: var(--panel); padding: 0.5rem 1rem; z-index: 10; }
.skip:focus { left: 0.5rem; }
.muted { color: var(--muted); }
.small { font-size: 0.85rem; }
[hidden] { display: none !important; }

.top { background: var(--panel); border-bottom: 1px solid var(--border); padding: 0.7rem 1.5rem 0.8rem; }
.top-row { display: flex; align-items: baseline; gap: 0.8rem; max-width: 1400px; margin: 0 auto; }
.brand { font-weight: 700; font-size: 1.1rem; color: var(--text); text-decoration: none; }
.brand-tag { font-weight: 600; font-size: 0.75rem; color: var(--accent); border: 1px solid var(--accent); border-radius: 999px; padding: 0 0.45rem; margin-left: 0.2rem; vertical-align: 2px; }
.project { color: var(--muted); }
.live { margin-left: auto; font-size: 0.85rem; color: var(--muted); }
.live::before { content: ""; display: inline-block; width: 0.6rem; height: 0.6rem; border-radius: 50%; background: var(--muted); margin-right: 0.4rem; vertical-align: 0; }
.live.is-live::before { background: var(--completed); }
.live.is-down::before { background: var(--failed); }
.config { display: flex; flex-wrap: wrap; gap: 0.4rem 1.6rem; max-width: 1400px; margin: 0.55rem auto 0; font-size: 0.88rem; }
.config > div { display: flex; align-items: center; gap: 0.4rem; }
.config dt { color: var(--muted); }
.config dd { margin: 0; display: flex; align-items: center; gap: 0.35rem; }
.dot { display: inline-block; width: 0.55rem; height: 0.55rem; border-radius: 50%; background: var(--muted); }
.dot.on { background: var(--completed); }

main { max-width: 1400px; margin: 0 auto; padding: 1.2rem 1.5rem 3rem; }
main:focus { outline: none; }
.loading { color: var(--muted); }
.notice { background: var(--panel); border: 1px solid var(--border); border-left: 4px solid var(--accent); padding: 0.6rem 0.9rem; border-radius: 6px; }
.notice-error { border-left-color: var(--failed); }
.notice-ok { border-left-color: var(--completed); }

.toolbar { display: flex; align-items: flex-end; gap: 1.2rem; flex-wrap: wrap; margin-bottom: 0.9rem; }
.filters { display: flex; align-items: flex-end; gap: 0.8rem; flex-wrap: wrap; margin-left: auto; }
.filters label { display: flex; flex-direction: column; font-size: 0.8rem; color: var(--muted); gap: 0.2rem; }
input, select { font: inherit; font-size: 0.92rem; color: var(--text); background: var(--panel); border: 1px solid var(--border); border-radius: 6px; padding: 0.35rem 0.55rem; }
input[type="search"], input.path { width: 15rem; }
kbd { font-family: var(--mono); font-size: 0.75rem; border: 1px solid var(--border); border-bottom-width: 2px; border-radius: 4px; padding: 0 0.3rem; }

.btn { font: inherit; font-size: 0.9rem; font-weight: 600; color: var(--text); background: var(--panel); border: 1px solid var(--border); border-radius: 6px; padding: 0.38rem 0.85rem; cursor: pointer; }
.btn:hover { background: var(--row-hover); }
.btn-primary { background: var(--accent); border-color: var(--accent); color: var(--accent-text); }
.btn-primary:hover { background: var(--accent); filter: brightness(1.08); }
.btn-danger { color: var(--failed); border-color: var(--failed); }
.btn-small { font-size: 0.78rem; font-weight: 600; padding: 0.08rem 0.45rem; }
.btn[aria-disabled="true"], .btn:disabled { opacity: 0.5; cursor: not-allowed; filter: none; }

.table-wrap { background: var(--panel); border: 1px solid var(--border); border-radius: 8px; overflow-x: auto; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: 0.55rem 0.8rem; border-bottom: 1px solid var(--border); vertical-align: top; }
th { font-size: 0.78rem; text-transform: uppercase; letter-spacing: 0.04em; color: var(--muted); font-weight: 600; background: var(--panel); position: sticky; top: 0; }
tbody tr:last-child td { border-bottom: none; }
tbody tr:hover { background: var(--row-hover); }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
th.num { text-align: right; }
.id a { font-family: var(--mono); font-weight: 600; text-decoration: none; }
.id a:hover { text-decoration: underline; }
.path { font-family: var(--mono); font-size: 0.9em; word-break: break-all; }
.sub { display: block; font-size: 0.8rem; color: var(--muted); margin-top: 0.1rem; }
.when .abs { display: block; white-space: nowrap; }
.when .rel { display: block; font-size: 0.8rem; color: var(--muted); }
.rel.late { color: var(--retry); font-weight: 600; }
.sub .rel { display: inline; font-size: inherit; }
.empty { padding: 2.2rem 1rem; text-align: center; color: var(--muted); }
.pager { display: flex; align-items: center; gap: 0.8rem; justify-content: flex-end; margin-top: 0.7rem; font-size: 0.9rem; }

.badge { display: inline-block; font-size: 0.78rem; font-weight: 700; letter-spacing: 0.02em; border-radius: 999px; padding: 0.08rem 0.6rem; border: 1px solid currentColor; white-space: nowrap; }
.badge-pending { color: var(--pending); background: var(--pending-bg); }
.badge-retry { color: var(--retry); background: var(--retry-bg); }
.badge-completed { color: var(--completed); background: var(--completed-bg); }
.badge-failed { color: var(--failed); background: var(--failed-bg); }
.code-ok { color: var(--completed); font-weight: 600; }
.code-bad { color: var(--failed); font-weight: 600; }
.code-wait { color: var(--retry); font-weight: 600; }

.hook-head { display: flex; align-items: center; gap: 0.8rem; flex-wrap: wrap; margin: 0.4rem 0 0.3rem; }
.hook-head h1 { font-family: var(--mono); font-size: 1.3rem; word-break: break-all; }
.hook-id { display: flex; align-items: center; gap: 0.5rem; color: var(--muted); margin-bottom: 0.9rem; }
.actions { display: flex; gap: 0.6rem; flex-wrap: wrap; align-items: center; margin: 0.3rem 0 0.8rem; }
.actions .hint { font-size: 0.82rem; color: var(--muted); }
#flash { margin: 0 0 1rem; }
.grid { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1.2fr); gap: 1.2rem; align-items: start; }
@media (max-width: 1000px) { .grid { grid-template-columns: minmax(0, 1fr); } }
.card { background: var(--panel); border: 1px solid var(--border); border-radius: 8px; padding: 0.9rem 1rem; }
.card h2 { margin-top: 0; display: flex; align-items: center; gap: 0.6rem; }
.facts { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 0.35rem 1.1rem; margin: 0; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; word-break: break-word; }
pre { background: var(--code-bg); border: 1px solid var(--border); border-radius: 6px; padding: 0.6rem 0.75rem; margin: 0.4rem 0 0; overflow: auto; max-height: 24rem; white-space: pre; tab-size: 2; }
pre.wrap { white-space: pre-wrap; word-break: break-all; }

.attempts { display: flex; flex-direction: column; gap: 0.5rem; }
.attempt { background: var(--panel); border: 1px solid var(--border); border-radius: 8px; }
.attempt > summary { cursor: pointer; padding: 0.55rem 0.9rem; display: flex; gap: 1rem; align-items: baseline; flex-wrap: wrap; }
.attempt > summary::marker { color: var(--muted); }
.attempt[open] > summary { border-bottom: 1px solid var(--border); }
.attempt .body { padding: 0.7rem 0.9rem 0.9rem; }
.attempt h3 { font-size: 0.9rem; margin: 0.9rem 0 0.2rem; display: flex; align-items: center; gap: 0.6rem; }
.attempt h3:first-child { margin-top: 0; }
.headers { width: auto; font-family: var(--mono); font-size: 0.82rem; }
.headers td { padding: 0.12rem 0.9rem 0.12rem 0; border: none; word-break: break-all; }
.headers td:first-child { color: var(--muted); white-space: nowrap; }
`
