// Assembles README.md from docs/sections/: _head.md, a generated table of
// contents, the sections in the order of the Python SDK's README (the seed),
// then _tail.md. `node docs/build-readme.mjs` writes README.md;
// `--check` exits 1 when README.md is out of date (test/readme.test.ts runs it).
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const sections = Path.join(root, "docs", "sections")
const read = (name) => Fs.readFileSync(Path.join(sections, name), "utf8")

/** Every `## ` section of every section file, by title. */
const byTitle = new Map()
for (const file of Fs.readdirSync(sections).filter((name) => name.endsWith(".md") && !name.startsWith("_")).sort()) {
  for (const part of read(file).split(/^(?=## )/m)) {
    const title = /^## (.+)$/m.exec(part)?.[1]
    if (title === undefined) continue
    if (byTitle.has(title)) throw new Error(`section "${title}" is defined twice (again in ${file})`)
    byTitle.set(title, part.trimEnd() + "\n")
  }
}

const ORDER = [
  "Installation",
  "Quick start",
  "Authentication",
  "Scheduling hooks",
  "Managing hooks",
  "Pagination",
  "Bulk actions",
  "Receiving deliveries",
  "WebSocket delivery",
  "Error handling",
  "Configuration",
  "Quota",
  "Async usage",
  "Resource cleanup",
  "Logging",
  "Custom HTTP client",
  "Local development",
  "Command line",
  "Dashboard",
  "Demo: the whole flow in ten seconds",
  "Performance"
]

const unplaced = [...byTitle.keys()].filter((title) => !ORDER.includes(title))
if (unplaced.length > 0) throw new Error(`sections missing from ORDER in docs/build-readme.mjs: ${unplaced.join(", ")}`)

const tail = read("_tail.md")
const tailTitles = [...tail.matchAll(/^## (.+)$/gm)].map((match) => match[1])
/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes. */
const anchor = (title) => title.toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, "").replace(/ /g, "-")

const contents = ["## Contents", "", ...[...ORDER, ...tailTitles].map((title) => `- [${title}](#${anchor(title)})`), ""]
const body = ORDER.map((title) => {
  const section = byTitle.get(title)
  if (section === undefined) throw new Error(`no section "${title}" in docs/sections`)
  return section
})
const readme = [read("_head.md").trimEnd() + "\n", contents.join("\n"), ...body, tail.trimEnd() + "\n"].join("\n")

const target = Path.join(root, "README.md")
if (process.argv.includes("--check")) {
  if (Fs.readFileSync(target, "utf8") !== readme) {
    console.error("README.md is out of date: run `node docs/build-readme.mjs`")
    process.exit(1)
  }
} else {
  Fs.writeFileSync(target, readme)
}
