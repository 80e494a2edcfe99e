/**
 * Python's `heapq` (heappush, heappop), step for step: the structure searches pop nodes in
 * pomegranate's order only if equal keys leave the heap in the same order, and that order is
 * decided by heapq's sift-up and sift-down (CPython's Lib/heapq.py; its C twin does the same).
 */

/** A binary min-heap ordered by `less`, with heapq's exact sequence of moves. */
export class PythonHeap<T> {
  readonly items: T[] = []

  constructor (private readonly less: (a: T, b: T) => boolean) {}

  get size (): number {
    return this.items.length
  }

  /** heapq.heappush */
  push (item: T): void {
    this.items.push(item)
    this.siftDown(0, this.items.length - 1)
  }

  /** heapq.heappop; undefined when empty. */
  pop (): T | undefined {
    const last = this.items.pop()
    if (last === undefined || this.items.length === 0) return last
    const top = this.items[0]!
    this.items[0] = last
    this.siftUp(0)
    return top
  }

  private siftDown (start: number, pos: number): void {
    const heap = this.items
    const item = heap[pos]!
    while (pos > start) {
      const parent = (pos - 1) >> 1
      if (!this.less(item, heap[parent]!)) break
      heap[pos] = heap[parent]!
      pos = parent
    }
    heap[pos] = item
  }

  private siftUp (pos: number): void {
    const heap = this.items
    const end = heap.length
    const start = pos
    const item = heap[pos]!
    let child = 2 * pos + 1
    while (child < end) {
      const right = child + 1
      if (right < end && !this.less(heap[child]!, heap[right]!)) child = right
      heap[pos] = heap[child]!
      pos = child
      child = 2 * pos + 1
    }
    heap[pos] = item
    this.siftDown(start, pos)
  }
}

/** Python's `<` on tuples of integers: lexicographic, a proper prefix first. */
export function tupleLess (a: readonly number[], b: readonly number[]): boolean {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! < b[i]!
  return a.length < b.length
}

/** itertools.combinations(items, k), in its order. */
export function * combinations<T> (items: readonly T[], k: number): Generator<T[]> {
  const n = items.length
  if (k > n || k < 0) return
  const index = Array.from({ length: k }, (_, i) => i)
  yield index.map(i => items[i]!)
  for (;;) {
    let i = k - 1
    while (i >= 0 && index[i] === i + n - k) i--
    if (i < 0) return
    index[i]!++
    for (let j = i + 1; j < k; j++) index[j] = index[j - 1]! + 1
    yield index.map(i => items[i]!)
  }
}
