const fs = require("fs")
const file = process.argv[2]
const prof = JSON.parse(fs.readFileSync(file))
const nodes = new Map(prof.nodes.map(n => [n.id, n]))
const self = new Map()
const dt = prof.timeDeltas
prof.samples.forEach((id, i) => self.set(id, (self.get(id) || 0) + (dt[i] || 0)))
const byFn = new Map()
for (const [id, t] of self) { const n = nodes.get(id); const k = `${n.callFrame.functionName || "(anon)"} ${n.callFrame.url.split("/").slice(-3).join("/")}:${n.callFrame.lineNumber}`; byFn.set(k, (byFn.get(k) || 0) + t) }
const total = [...byFn.values()].reduce((a, b) => a + b, 0)
console.log("total ms", total / 1000)
;[...byFn.entries()].sort((a, b) => b[1] - a[1]).slice(0, 35).forEach(([k, t]) => console.log((t / 1000).toFixed(0).padStart(7), k))
