import http from "node:http"
const s = http.createServer((q, r) => { q.resume(); q.on("end", () => r.end('{"data":{}}')) })
await new Promise(r => s.listen(0, "127.0.0.1", r))
const url = `http://127.0.0.1:${s.address().port}/`
const t = Date.now()
await Promise.all(Array.from({ length: 32 }, async () => { for (let i = 0; i < 30; i++) await fetch(url, { method: "POST", body: "{}" }).then(r => r.text()) }))
console.log("plain 960 @32", Date.now() - t)
process.exit(0)
