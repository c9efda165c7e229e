import assert from "node:assert/strict";
import { test } from "node:test";
import { RecentCache } from "../../src/reward/builtin/mathCache";

test("RecentCache keeps an entry used again (a group's gold) and forgets those used once, at most its capacity", () => {
  const cache = new RecentCache<string, number>(4);
  cache.set("gold", 0);
  for (let sample = 1; sample <= 100; sample++) {
    // Each sample of the group reads the gold again and adds its own completion's entry.
    assert.equal(cache.get("gold"), 0, `sample ${sample}`);
    cache.set(`completion ${sample}`, sample);
  }
  assert.equal(cache.get("completion 100"), 100, "the newest entry is there");
  assert.equal(cache.get("completion 1"), undefined, "an entry used once is forgotten after two generations");
  let held = 0;
  for (let sample = 1; sample <= 100; sample++) if (cache.get(`completion ${sample}`) !== undefined) held++;
  assert.ok(held <= 3, `at most the capacity is held (${held} completions and the gold)`);
  cache.set("gold", 1);
  assert.equal(cache.get("gold"), 1, "setting a key again replaces its value");
  cache.clear();
  assert.equal(cache.get("gold"), undefined);
});
