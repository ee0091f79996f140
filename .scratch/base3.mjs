import http from "node:http"
const s = http.createServer((q, r) => { q.resume(); q.on("end", () => r.end('{"data":{}}')) })
await new Promise(r => s.listen(0, "127.0.0.1", r))
const agent = new http.Agent({ keepAlive: true, maxSockets: 32 })
const port = s.address().port
const one = () => new Promise((res, rej) => { const q = http.request({ host: "127.0.0.1", port, method: "POST", path: "/", agent }, (r) => { r.resume(); r.on("end", res) }); q.on("error", rej); q.end("{}") })
for (const c of [1, 4, 32]) {
  const t = Date.now()
  await Promise.all(Array.from({ length: c }, async () => { for (let i = 0; i < 960 / c; i++) await one() }))
  console.log(`node http 960 @${c}`, Date.now() - t)
}
process.exit(0)
