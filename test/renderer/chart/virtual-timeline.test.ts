import { describe, expect, it } from 'vitest';
import { keyTarget } from '../../../src-renderer/src/components/chart/VirtualTimeline';

// The keys a windowed timeline (src-renderer/src/components/chart/VirtualTimeline.tsx) moves focus
// with: a card reached by keyboard may be one not rendered yet, so the list computes it itself.
describe('windowed timeline keys', () => {
  it('moves one card, a page of ten, or to either end, and never past the ends', () => {
    expect(keyTarget('ArrowDown', 0, 1001)).toBe(1);
    expect(keyTarget('ArrowUp', 5, 1001)).toBe(4);
    expect(keyTarget('PageDown', 5, 1001)).toBe(15);
    expect(keyTarget('PageUp', 15, 1001)).toBe(5);
    expect(keyTarget('End', 3, 1001)).toBe(1000);
    expect(keyTarget('Home', 999, 1001)).toBe(0);
    expect(keyTarget('ArrowUp', 0, 1001)).toBe(0);
    expect(keyTarget('ArrowDown', 1000, 1001)).toBe(1000);
    expect(keyTarget('PageUp', 3, 1001)).toBe(0);
    expect(keyTarget('PageDown', 995, 1001)).toBe(1000);
  });
  it('leaves every other key to the card (Tab, Enter, letters)', () => {
    for (const k of ['Tab', 'Enter', ' ', 'a', 'ArrowLeft', 'ArrowRight']) expect(keyTarget(k, 3, 10)).toBeNull();
  });
});
