/**
 * A scripted Posthook WebSocket endpoint for tests: a real `ws` server on
 * 127.0.0.1 (port 0) plus the `POST /v1/ws/ticket` endpoint on the same HTTP
 * server. Tickets are single-use; every connection is recorded with the
 * frames the client sent and the close code the server saw.
 *
 * Frames are encoded with the SDK's own `protocol/frames`, so the test server and
 * the client share one definition of the protocol.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeWS from "@effect/platform-node/NodeWS"
import { Duration, Effect, Layer, References, type Scope } from "effect"
import type { HttpClient } from "effect/http/HttpClient"
import type { WebSocketConstructor } from "effect/socket/Socket"
import * as Http from "node:http"
import { WebSocket, WebSocketServer } from "ws"
import { PosthookConfig } from "posthook-effect"
import * as WsProtocol from "../../src/protocol/frames.js"

export interface TicketAnswer {
  readonly status: number
  readonly body?: string
}

export interface ServerConnection {
  readonly id: number
  readonly ticket: string
  /** The raw request URL of the upgrade (path + query). */
  readonly url: string
  readonly forward: boolean
  readonly socket: WebSocket
  /** Text of every frame the client sent, in order. */
  readonly raw: Array<string>
  /** Every frame the client sent, parsed as JSON. */
  readonly received: Array<Record<string, unknown>>
  /** Set once the server saw the socket close. */
  closeCode: number | undefined
  readonly send: (frame: WsProtocol.ServerMessage | string) => void
  readonly sendHook: (id: string, fields?: Partial<Omit<HookFields, "_tag">>) => void
  readonly connected: () => void
}

type HookFields = Extract<WsProtocol.ServerMessage, { readonly _tag: "hook" }>

export interface WsTestServer {
  readonly httpUrl: string
  readonly wsUrl: string
  readonly connections: Array<ServerConnection>
  /** Headers of every ticket request. */
  readonly ticketRequests: Array<Http.IncomingHttpHeaders>
  readonly issuedTickets: Array<string>
  /** Answers for the next ticket requests, used in order before the default (a fresh ticket). */
  readonly ticketScript: Array<TicketAnswer>
  /** Upgrades refused because their ticket was unknown or used. */
  readonly refusedUpgrades: Array<string>
  /** Called for every new connection; the default sends `connected`. */
  onConnection: (connection: ServerConnection) => void
  /** Called for every parsed client frame. */
  onFrame: (connection: ServerConnection, frame: Record<string, unknown>) => void
  /**
   * Config (base URL = this server), an HTTP client and the `ws` WebSocket
   * constructor (`NodeWS`, so WebSocket-level pings reach the listener).
   */
  readonly layer: Layer.Layer<PosthookConfig.PosthookConfig | HttpClient | WebSocketConstructor>
}

export const hookFrame = (id: string, fields: Partial<Omit<HookFields, "_tag">> = {}): HookFields => ({
  _tag: "hook",
  id,
  path: "/webhooks/test",
  data: { n: id },
  postAt: "2026-01-01T00:00:00Z",
  createdAt: "2025-12-31T00:00:00Z",
  attempt: 1,
  maxAttempts: 5,
  ...fields
})

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

let ticketCounter = 0

interface Running {
  readonly server: WsTestServer
  readonly close: () => Promise<void>
}

const start = Effect.callback<Running>((resume) => {
  const http = Http.createServer()
  const wss = new WebSocketServer({ noServer: true })
  const unused = new Set<string>()
  const connections: Array<ServerConnection> = []
  const ticketRequests: Array<Http.IncomingHttpHeaders> = []
  const issuedTickets: Array<string> = []
  const ticketScript: Array<TicketAnswer> = []
  const refusedUpgrades: Array<string> = []
  let server: WsTestServer | undefined

  http.on("request", (req, res) => {
    if (req.method !== "POST" || req.url !== "/v1/ws/ticket" || server === undefined) {
      res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: "not found" }))
      return
    }
    const { wsUrl } = server
    req.resume()
    req.on("end", () => {
      ticketRequests.push(req.headers)
      const scripted = ticketScript.shift()
      if (scripted !== undefined) {
        res.writeHead(scripted.status, { "content-type": "application/json" }).end(scripted.body ?? "")
        return
      }
      // Characters that must be URL-encoded in the query.
      const ticket = `tk ${++ticketCounter}/+=&?`
      unused.add(ticket)
      issuedTickets.push(ticket)
      res.writeHead(200, { "content-type": "application/json" }).end(
        JSON.stringify({ data: { ticket, url: wsUrl, expiresAt: new Date(Date.now() + 60_000).toISOString() } })
      )
    })
  })

  http.on("upgrade", (req, socket, head) => {
    const url = req.url ?? ""
    const query = new URL(url, "http://localhost").searchParams
    const ticket = query.get("ticket") ?? ""
    if (server === undefined || !unused.delete(ticket)) {
      refusedUpgrades.push(url)
      socket.end("HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n")
      return
    }
    const current = server
    wss.handleUpgrade(req, socket, head, (ws) => {
      const connection: ServerConnection = {
        id: connections.length + 1,
        ticket,
        url,
        forward: query.get("forward") === "true",
        socket: ws,
        raw: [],
        received: [],
        closeCode: undefined,
        send: (frame) => {
          if (ws.readyState !== WebSocket.OPEN) return
          ws.send(typeof frame === "string" ? frame : WsProtocol.encodeServerFrame(frame))
        },
        sendHook: (id, fields) => connection.send(hookFrame(id, fields)),
        connected: () =>
          connection.send({
            _tag: "connected",
            connectionId: `conn-${connection.id}`,
            projectId: "proj-1",
            projectName: "Test Project",
            serverTime: new Date().toISOString()
          })
      }
      connections.push(connection)
      ws.on("message", (data, isBinary) => {
        const text = isBinary ? "" : data.toString()
        connection.raw.push(text)
        try {
          const parsed: unknown = JSON.parse(text)
          if (isRecord(parsed)) {
            connection.received.push(parsed)
            current.onFrame(connection, parsed)
          }
        } catch {
          // kept in `raw` only
        }
      })
      ws.on("close", (code) => {
        connection.closeCode = code
      })
      current.onConnection(connection)
    })
  })

  const close = (): Promise<void> =>
    new Promise((resolve) => {
      for (const client of wss.clients) client.terminate()
      wss.close()
      http.closeAllConnections()
      http.close(() => resolve())
    })

  http.listen(0, "127.0.0.1", () => {
    const address = http.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    const httpUrl = `http://127.0.0.1:${port}`
    server = {
      httpUrl,
      wsUrl: `ws://127.0.0.1:${port}/ws`,
      connections,
      ticketRequests,
      issuedTickets,
      ticketScript,
      refusedUpgrades,
      onConnection: (connection) => connection.connected(),
      onFrame: () => {},
      layer: Layer.mergeAll(
        PosthookConfig.layer({ apiKey: "pk_test_key", baseUrl: httpUrl }),
        NodeHttpClient.layerUndici,
        NodeWS.layerWebSocketConstructor
      ).pipe(Layer.orDie)
    }
    resume(Effect.succeed({ server, close }))
  })
})

/** Starts a server for the current scope; closing the scope terminates every socket and the server. */
export const make: Effect.Effect<WsTestServer, never, Scope.Scope> = Effect.acquireRelease(
  start,
  ({ close }) => Effect.promise(close)
).pipe(Effect.map(({ server }) => server))

/**
 * Polls `condition` in real time (so it works under `TestClock` too) until it
 * holds, failing the test with `label` after `timeout`.
 */
export const eventually = (
  label: string,
  condition: () => boolean,
  timeout: Duration.Input = "20 seconds"
): Effect.Effect<void> =>
  Effect.promise(
    () =>
      new Promise<boolean>((resolve) => {
        const deadline = Date.now() + Duration.toMillis(Duration.fromInputUnsafe(timeout))
        const poll = () => {
          if (condition()) return resolve(true)
          if (Date.now() > deadline) return resolve(false)
          setTimeout(poll, 5)
        }
        poll()
      })
  ).pipe(Effect.flatMap((ok) => (ok ? Effect.void : Effect.die(new Error(`timed out waiting for: ${label}`)))))

/** Lets real time pass (independent of `TestClock`). */
export const realSleep = (millis: number): Effect.Effect<void> =>
  Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, millis)))

/** The raw `nack` frame the listener sends for a delivery still unanswered when it shuts down. */
export const shutdownNack = (hookId: string): string =>
  `{"type":"nack","hookId":"${hookId}","error":"Listener is shutting down"}`

/** The frames a connection received of one type. */
export const framesOf = (connection: ServerConnection, type: string): Array<Record<string, unknown>> =>
  connection.received.filter((frame) => frame.type === type)

/** Every frame the client sent, over all connections. */
export const allFrames = (server: WsTestServer): Array<Record<string, unknown>> =>
  server.connections.flatMap((connection) => connection.received)

/** The `index`-th connection the server accepted (0-based); throws when there is none. */
export const connectionAt = (server: WsTestServer, index: number): ServerConnection => {
  const found = server.connections[index]
  if (found === undefined) throw new Error(`no connection #${index + 1}`)
  return found
}

/** The server's layer, with logging silenced (the listener logs every drop and failed handler). */
export const quietLayer = (server: WsTestServer) =>
  Layer.merge(server.layer, Layer.succeed(References.MinimumLogLevel, "None"))

/** A test server and the built context of its {@link quietLayer}, both living in the current scope. */
export const makeQuiet = Effect.gen(function*() {
  const server = yield* make
  const context = yield* Layer.build(quietLayer(server))
  return { server, context }
})
