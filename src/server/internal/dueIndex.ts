/**
 * The scheduler's due-time index: a binary min-heap of "something is due at
 * time T" entries, ordered by time and then by insertion order (FIFO among
 * equal times).
 *
 * Entries are never removed in place: when a hook is deleted or rescheduled,
 * its old entry stays and is recognised as stale when it is popped (the
 * engine re-checks the hook's state). That keeps every operation O(log n).
 *
 * @internal
 */

/**
 * What becomes due: the next delivery attempt of a hook, or the deadline of
 * an attempt in flight (WebSocket ack window, async callback deadline).
 *
 * @internal
 */
export type DueKind = "attempt" | "deadline"

/** @internal */
export interface DueEntry {
  readonly at: number
  readonly hookId: string
  readonly kind: DueKind
  /** For deadlines: the attempt whose deadline this is. 0 for attempts. */
  readonly attempt: number
}

interface Slot {
  readonly entry: DueEntry
  readonly seq: number
}

const before = (a: Slot, b: Slot): boolean => a.entry.at < b.entry.at || (a.entry.at === b.entry.at && a.seq < b.seq)

/** @internal */
export class DueIndex {
  private readonly heap: Array<Slot> = []
  private seq = 0

  get size(): number {
    return this.heap.length
  }

  /** The earliest due time, or `undefined` when empty. */
  nextAt(): number | undefined {
    return this.heap[0]?.entry.at
  }

  push(entry: DueEntry): void {
    const heap = this.heap
    const slot: Slot = { entry, seq: this.seq++ }
    heap.push(slot)
    let index = heap.length - 1
    while (index > 0) {
      const parentIndex = (index - 1) >> 1
      const parent = heap[parentIndex]!
      if (!before(slot, parent)) break
      heap[index] = parent
      index = parentIndex
    }
    heap[index] = slot
  }

  pop(): DueEntry | undefined {
    const heap = this.heap
    const top = heap[0]
    if (top === undefined) return undefined
    const last = heap.pop()!
    if (heap.length > 0) {
      let index = 0
      const length = heap.length
      for (;;) {
        const left = 2 * index + 1
        if (left >= length) break
        const right = left + 1
        const child = right < length && before(heap[right]!, heap[left]!) ? right : left
        if (!before(heap[child]!, last)) break
        heap[index] = heap[child]!
        index = child
      }
      heap[index] = last
    }
    return top.entry
  }

  /** Removes and returns every entry due at or before `now`, earliest first. */
  popDue(now: number): Array<DueEntry> {
    const due: Array<DueEntry> = []
    while (this.heap.length > 0 && this.heap[0]!.entry.at <= now) {
      due.push(this.pop()!)
    }
    return due
  }
}
