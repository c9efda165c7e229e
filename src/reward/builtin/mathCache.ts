/**
 * A bounded map that keeps what is used: the math judge's caches (readings by candidate text, gold
 * candidates by gold). A run scores a group's samples one after another against one gold, so the
 * gold's entries are used again and again while each completion's are used once; forgetting the
 * oldest entry instead (first in, first out) dropped the golds of a large batch before their group
 * was scored. Part of the Math-Verify judge (mathVerify.ts).
 *
 * Two generations, not a strict least-recently-used list (whose every hit moves an entry, two hash
 * operations): entries go into the young map; when it is full it becomes the old one and the old
 * one is dropped; an old entry used again moves back to the young map. An entry survives as long
 * as it is used at least once per `capacity / 2` new entries; at most `capacity` are held.
 */
export class RecentCache<K, V> {
  private young = new Map<K, V>();
  private old = new Map<K, V>();
  private readonly generation: number;

  constructor(capacity: number) {
    this.generation = Math.max(1, Math.floor(capacity / 2));
  }

  get(key: K): V | undefined {
    const value = this.young.get(key);
    if (value !== undefined) return value;
    const aged = this.old.get(key);
    if (aged !== undefined) {
      this.old.delete(key);
      this.set(key, aged);
    }
    return aged;
  }

  set(key: K, value: V): void {
    if (this.young.size >= this.generation && !this.young.has(key)) {
      this.old = this.young;
      this.young = new Map();
    }
    this.old.delete(key);
    this.young.set(key, value);
  }

  clear(): void {
    this.young.clear();
    this.old.clear();
  }
}
