import { useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import { useWindowVirtualizer } from '@tanstack/react-virtual';
import type { ChartResource } from '../../../../src-shared/api';
import { TimelineCard, type CardActions } from './TimelineCard';

/**
 * A card's height before it is measured: a one-value card with its chips and footer (an Observation
 * measures 141 px in a 1,280 px window). Close to the truth, the page does not jump when "Show all"
 * turns the first page into a windowed list under the same scroll position.
 */
const ESTIMATE_PX = 141;
/** Cards rendered beyond each edge of the screen: Tab from the last card on screen finds the next one. */
const OVERSCAN = 8;
/** Page Up / Page Down move this many cards. */
const PAGE_STEP = 10;

/** Which card a key moves to from card `i` of `n` (null: not a key the list handles). */
export function keyTarget(key: string, i: number, n: number): number | null {
  const to = key === 'ArrowDown' ? i + 1 : key === 'ArrowUp' ? i - 1 : key === 'Home' ? 0 : key === 'End' ? n - 1
    : key === 'PageDown' ? i + PAGE_STEP : key === 'PageUp' ? i - PAGE_STEP : null;
  return to === null ? null : Math.max(0, Math.min(n - 1, to));
}

/**
 * A long timeline, windowed (@tanstack/react-virtual over the page's own scroll): only the cards
 * on screen and a few around them are in the page, the rest is space of their (measured, else
 * estimated) height, so "Show all" on a chart of thousands renders as fast as a page of it. It
 * stays an ordered list whose items tell assistive technology their place in the whole
 * (aria-posinset of aria-setsize). Each card is focusable (one at a time in the Tab order): Arrow
 * keys, Page Up/Down, Home and End move between cards, scrolling the one reached into the page;
 * Tab walks a card's buttons and on into the next card.
 */
export function VirtualTimeline({ resources, onAmend, mayAmend }: { resources: ChartResource[] } & CardActions) {
  const listRef = useRef<HTMLOListElement>(null);
  // Where the list starts in the page. What is above it changes (the consent status arrives, a
  // form opens): read again on each render and whenever the page's size changes.
  const [margin, setMargin] = useState(0);
  const measure = () => {
    const el = listRef.current;
    if (el) setMargin(Math.round(el.getBoundingClientRect().top + window.scrollY));
  };
  useLayoutEffect(measure);
  useEffect(() => {
    const ro = new ResizeObserver(measure);
    ro.observe(document.body);
    return () => ro.disconnect();
  }, []);
  const n = resources.length;
  const v = useWindowVirtualizer({
    count: n, estimateSize: () => ESTIMATE_PX, overscan: OVERSCAN, scrollMargin: margin,
    getItemKey: (i) => resources[i]?.id ?? i, useFlushSync: false,
  });
  const items = v.getVirtualItems();
  // The card in the Tab order (roving tabindex); a card to focus once it is rendered.
  const [active, setActive] = useState(0);
  const focusNext = useRef<number | null>(null);
  useEffect(() => {
    const want = focusNext.current;
    if (want === null) return;
    const el = listRef.current?.querySelector<HTMLElement>(`:scope > [data-index="${want}"]`);
    if (el) {
      focusNext.current = null;
      el.focus();
    }
  });
  const onKeyDown = (e: KeyboardEvent<HTMLLIElement>, i: number) => {
    if (e.target !== e.currentTarget || e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
    const to = keyTarget(e.key, i, n);
    if (to === null) return;
    e.preventDefault();
    setActive(to);
    focusNext.current = to;
    v.scrollToIndex(to, { align: 'auto' });
  };
  const tabbable = items.some((it) => it.index === active) ? active : items[0]?.index;
  const first = items[0];
  const last = items[items.length - 1];
  const before = first ? first.start - margin : 0;
  const after = last ? Math.max(0, v.getTotalSize() - (last.end - margin)) : 0;
  return (
    <ol ref={listRef} className="timeline timeline-virtual" aria-label="Records, newest first" data-testid="timeline" data-windowed="true"
      style={{ paddingTop: before, paddingBottom: after }}>
      {items.map((it) => {
        const r = resources[it.index];
        return (
          <li key={it.key} ref={v.measureElement} data-index={it.index} className="timeline-item" data-testid="timeline-item" data-resource-type={r.resourceType}
            aria-setsize={n} aria-posinset={it.index + 1} tabIndex={it.index === tabbable ? 0 : -1}
            onFocus={() => setActive(it.index)} onKeyDown={(e) => onKeyDown(e, it.index)}>
            <TimelineCard r={r} onAmend={onAmend} mayAmend={mayAmend} />
          </li>
        );
      })}
    </ol>
  );
}
