/**
 * Minimal type declarations for the web frameworks that examples/hono.ts and
 * examples/fastify.ts show, so those examples type-check without installing
 * the frameworks here. Only what the examples use is declared. Delete a
 * module's declaration once the real package is a dev dependency.
 */
declare module "hono" {
  export interface Context {
    readonly req: { readonly raw: Request }
  }
  export class Hono {
    post(path: string, handler: (c: Context) => Response | Promise<Response>): this
    readonly fetch: (request: Request) => Response | Promise<Response>
  }
}

declare module "fastify" {
  import type { IncomingHttpHeaders } from "node:http"

  export interface FastifyRequest {
    readonly body: unknown
    readonly headers: IncomingHttpHeaders
  }
  export interface FastifyReply {
    code(statusCode: number): FastifyReply
    send(payload?: unknown): FastifyReply
  }
  export interface FastifyInstance {
    addContentTypeParser(
      contentType: string,
      options: { readonly parseAs: "buffer" | "string" },
      parser: (request: FastifyRequest, body: Buffer, done: (error: Error | null, body?: unknown) => void) => void
    ): void
    post(path: string, handler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>): FastifyInstance
    listen(options: { readonly port: number; readonly host?: string }): Promise<string>
  }
  export default function Fastify(options?: { readonly logger?: boolean }): FastifyInstance
}
