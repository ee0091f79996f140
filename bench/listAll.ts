import type { Benchmark } from "./util.js"

export const benchmark: Benchmark = {
  name: "listAll",
  title: "todo",
  run: async () => []
}
