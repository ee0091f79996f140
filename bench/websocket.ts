import type { Benchmark } from "./util.js"

export const benchmark: Benchmark = {
  name: "websocket",
  title: "todo",
  run: async () => []
}
