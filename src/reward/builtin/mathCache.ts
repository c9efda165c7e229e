/**
 * A bounded map that forgets the entry used least recently: the math judge's caches (readings by
 * candidate text, gold candidates by gold). A run scores a group's samples one after another against
 * one gold, so the gold's entries are used again and again while each completion's are used once;
 * forgetting the oldest entry instead (first in, first out) dropped the golds of a large batch
 * before their group was scored. Part of the Math-Verify judge (mathVerify.ts).
 */
export class RecentCache<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(private readonly capacity: number) {}

  get(key: K): V | undefined {
    const value = this.entries.get(key);
    // Map keeps insertion order: moving the entry to the end makes the first one the least recent.
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): void {
    this.entries.delete(key);
    if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value as K);
    this.entries.set(key, value);
  }

  clear(): void {
    this.entries.clear();
  }
}
