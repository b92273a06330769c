/**
 * Mendoza patch encoder (the npm `mendoza` package only applies patches).
 * PLACEHOLDER: encodes every change as a whole-value replacement; a real encoder replaces this.
 */
export function createMendozaPatch(left: unknown, right: unknown): unknown[] {
  void left
  return [0, right]
}
