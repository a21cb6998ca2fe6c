/**
 * A small seeded PRNG (mulberry32) for sandboxes: deterministic seeds and reproducible fault dice.
 *
 *     const rng = seededRng(42);
 *     rng(); // 0 ≤ x < 1, the same sequence for the same seed
 *     seededShuffle([1, 2, 3], 7); // a permutation, the same one for the same seed
 */
export function seededRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A copy of `items` in a random order that only `seed` decides (Fisher–Yates over {@link seededRng}). */
export function seededShuffle<T>(items: readonly T[], seed: number): T[] {
  const rng = seededRng(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
