import assert from "node:assert/strict";
import { test } from "node:test";
import { RecentCache } from "../../src/reward/builtin/mathCache";

test("RecentCache forgets the entry used least recently, not the oldest one", () => {
  const cache = new RecentCache<string, number>(3);
  cache.set("gold", 1);
  cache.set("a", 2);
  cache.set("b", 3);
  // The gold is used again for each sample of its group...
  assert.equal(cache.get("gold"), 1);
  cache.set("c", 4);
  // ...so the completion read longest ago goes, and the gold stays.
  assert.equal(cache.get("a"), undefined);
  assert.equal(cache.get("gold"), 1);
  assert.equal(cache.get("b"), 3);
  assert.equal(cache.get("c"), 4);
  cache.set("b", 5);
  assert.equal(cache.get("b"), 5, "setting a key again replaces its value");
  cache.clear();
  assert.equal(cache.get("gold"), undefined);
});
