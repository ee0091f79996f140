import { describe, expect, it } from "@effect/vitest"
import { spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"

/** A ```ts block of the README, with the nearest heading above it. */
interface Block {
  readonly heading: string
  readonly lines: ReadonlyArray<string>
}

const readmeBlocks = (readme: string): ReadonlyArray<Block> => {
  const blocks: Array<Block> = []
  let heading = "(top of README)"
  let current: Array<string> | undefined
  for (const line of readme.split("\n")) {
    if (current !== undefined) {
      if (/^\s*```\s*$/.test(line)) {
        blocks.push({ heading, lines: current })
        current = undefined
      } else {
        current.push(line)
      }
    } else if (/^\s*```ts\s*$/.test(line)) {
      current = []
    } else if (/^#{1,6} /.test(line)) {
      heading = line.trim()
    }
  }
  return blocks
}

const indentOf = (line: string): number => line.length - line.trimStart().length

/** Non-blank lines, trailing whitespace trimmed, common leading indentation removed. */
const normalize = (lines: ReadonlyArray<string>): ReadonlyArray<string> => {
  const kept = lines.map((line) => line.trimEnd()).filter((line) => line !== "")
  const common = Math.min(...kept.map(indentOf))
  return kept.map((line) => line.slice(common))
}

/**
 * True when `block` appears in `file` as a contiguous run of non-blank lines,
 * in order, all shifted right by the same indentation.
 */
const containsBlock = (file: ReadonlyArray<string>, block: ReadonlyArray<string>): boolean => {
  const first = block[0]
  if (first === undefined) return true
  for (let start = 0; start + block.length <= file.length; start++) {
    const candidate = file[start]!
    if (!candidate.endsWith(first)) continue
    const shift = candidate.slice(0, candidate.length - first.length)
    if (shift.trim() !== "") continue
    if (block.every((line, i) => file[start + i] === shift + line)) return true
  }
  return false
}

describe("README", () => {
  // README.md is generated from docs/sections: an edit to one without the other is a bug.
  it("is in sync with docs/sections (node docs/build-readme.mjs)", () => {
    const check = spawnSync(process.execPath, ["docs/build-readme.mjs", "--check"], { encoding: "utf8" })
    expect(check.stderr).toBe("")
    expect(check.status).toBe(0)
  })

  // Every ```ts block of the README is an excerpt of a type-checked program in
  // examples/ (tsc -p . includes examples), so the README's code compiles.
  it("has every ts block verbatim in some examples/*.ts", () => {
    // Example files keep their own indentation; only blank lines and trailing spaces are dropped.
    const files = Fs.readdirSync("examples")
      .filter((name) => name.endsWith(".ts") && !name.endsWith(".d.ts"))
      .map((name) =>
        Fs.readFileSync(Path.join("examples", name), "utf8")
          .split("\n")
          .map((line) => line.trimEnd())
          .filter((line) => line !== "")
      )
    const blocks = readmeBlocks(Fs.readFileSync("README.md", "utf8"))
    expect(blocks.length).toBeGreaterThan(0)
    const missing = blocks
      .filter((block) => {
        const lines = normalize(block.lines)
        return !files.some((file) => containsBlock(file, lines))
      })
      .map((block) => `  - "${normalize(block.lines)[0] ?? ""}" (under ${block.heading})`)
    expect(
      missing,
      `${missing.length} of ${blocks.length} README ts blocks are not verbatim in any examples/*.ts ` +
        `(put each inside real code in the example of its topic, or fix it in docs/sections and run ` +
        `\`node docs/build-readme.mjs\`):\n${missing.join("\n")}`
    ).toEqual([])
  })
})
