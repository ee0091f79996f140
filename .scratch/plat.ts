import * as Http from "node:http"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { Effect } from "effect"
const prog = Effect.gen(function*() {
  const server = yield* NodeHttpServer.make(() => Http.createServer(), { port: 0, host: "127.0.0.1" })
  yield* server.serve(HttpRouter.empty.pipe(
    HttpRouter.get("/a", Effect.succeed(HttpServerResponse.unsafeJson({ data: {} }))),
    HttpRouter.post("/b", Effect.gen(function*() { const r = yield* HttpServerRequest.HttpServerRequest; const t = yield* r.text; return HttpServerResponse.unsafeJson({ data: JSON.parse(t) }) }))
  ))
  const port = server.address._tag === "TcpAddress" ? server.address.port : 0
  for (const [label, f] of [["get", () => fetch(`http://127.0.0.1:${port}/a`).then(r => r.text())], ["post", () => fetch(`http://127.0.0.1:${port}/b`, {method: "POST", body: '{"x":1}', headers: {"content-type": "application/json"}}).then(r => r.text())]] as const) {
    const t = Date.now()
    yield* Effect.promise(() => Promise.all(Array.from({ length: 32 }, async () => { for (let i = 0; i < 30; i++) await f() })))
    console.log(label, "960 @32", Date.now() - t)
  }
}).pipe(Effect.scoped)
Effect.runPromise(prog).then(() => process.exit(0))
