import http from "node:http"
const s = http.createServer((q, r) => { q.resume(); q.on("end", () => r.end('{"data":{}}')) })
await new Promise(r => s.listen(0, "127.0.0.1", r))
const url = `http://127.0.0.1:${s.address().port}/`
const t = Date.now()
for (let i = 0; i < 2000; i++) await fetch(url, { method: "POST", body: "{}" }).then(r => r.text())
console.log("plain", Date.now() - t)
process.exit(0)
