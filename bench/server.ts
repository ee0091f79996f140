import type { Benchmark } from "./util.js"

export const benchmark: Benchmark = {
  name: "server",
  title: "todo",
  run: async () => []
}
