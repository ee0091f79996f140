/**
 * The scheduler's due-time index: a binary min-heap of "something is due at
 * time T" entries, ordered by time and then by insertion order (FIFO among
 * equal times).
 *
 * Entries are never removed in place: when a hook is deleted or rescheduled,
 * its old entry stays and is recognised as stale when it is popped (the
 * engine re-checks the hook's state). That keeps every operation O(log n).
 *
 * The heap is kept in parallel arrays rather than as objects: with 100,000
 * pending hooks that is about 24 bytes per entry instead of about 100 (the
 * hook id string is shared with the stored hook).
 *
 * @internal
 */

/**
 * What becomes due: the next delivery attempt of a hook, or the deadline of
 * an attempt in flight (HTTP timeout, WebSocket ack window, async deadline).
 *
 * @internal
 */
export type DueKind = "attempt" | "deadline"

/** @internal */
export interface DueEntry {
  readonly at: number
  readonly hookId: string
  readonly kind: DueKind
  /** For deadlines: the attempt whose deadline this is (≥ 1). 0 for attempts. */
  readonly attempt: number
}

/** @internal */
export class DueIndex {
  private readonly at: Array<number> = []
  private readonly seq: Array<number> = []
  private readonly hookId: Array<string> = []
  /** 0 for an attempt entry, else the attempt number of a deadline. */
  private readonly attempt: Array<number> = []
  private nextSeq = 0

  get size(): number {
    return this.at.length
  }

  /** The earliest due time, or `undefined` when empty. */
  nextAt(): number | undefined {
    return this.at[0]
  }

  push(entry: DueEntry): void {
    this.at.push(entry.at)
    this.seq.push(this.nextSeq++)
    this.hookId.push(entry.hookId)
    this.attempt.push(entry.kind === "attempt" ? 0 : Math.max(1, entry.attempt))
    this.siftUp(this.at.length - 1)
  }

  pop(): DueEntry | undefined {
    const size = this.at.length
    if (size === 0) return undefined
    const entry = this.entryAt(0)
    const last = size - 1
    if (last > 0) this.move(last, 0)
    this.at.pop()
    this.seq.pop()
    this.hookId.pop()
    this.attempt.pop()
    if (last > 0) this.siftDown(0)
    return entry
  }

  /** Removes and returns every entry due at or before `now`, earliest first. */
  popDue(now: number): Array<DueEntry> {
    const due: Array<DueEntry> = []
    while (this.at.length > 0 && this.at[0]! <= now) {
      due.push(this.pop()!)
    }
    return due
  }

  private entryAt(index: number): DueEntry {
    const attempt = this.attempt[index]!
    return {
      at: this.at[index]!,
      hookId: this.hookId[index]!,
      kind: attempt === 0 ? "attempt" : "deadline",
      attempt
    }
  }

  private before(a: number, b: number): boolean {
    const atA = this.at[a]!
    const atB = this.at[b]!
    return atA < atB || (atA === atB && this.seq[a]! < this.seq[b]!)
  }

  private move(from: number, to: number): void {
    this.at[to] = this.at[from]!
    this.seq[to] = this.seq[from]!
    this.hookId[to] = this.hookId[from]!
    this.attempt[to] = this.attempt[from]!
  }

  private swap(a: number, b: number): void {
    const at = this.at[a]!
    const seq = this.seq[a]!
    const hookId = this.hookId[a]!
    const attempt = this.attempt[a]!
    this.move(b, a)
    this.at[b] = at
    this.seq[b] = seq
    this.hookId[b] = hookId
    this.attempt[b] = attempt
  }

  private siftUp(start: number): void {
    let index = start
    while (index > 0) {
      const parent = (index - 1) >> 1
      if (!this.before(index, parent)) return
      this.swap(index, parent)
      index = parent
    }
  }

  private siftDown(start: number): void {
    let index = start
    const size = this.at.length
    for (;;) {
      const left = 2 * index + 1
      if (left >= size) return
      const right = left + 1
      const child = right < size && this.before(right, left) ? right : left
      if (!this.before(child, index)) return
      this.swap(index, child)
      index = child
    }
  }
}
