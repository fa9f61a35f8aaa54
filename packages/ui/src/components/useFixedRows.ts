import { useCallback, useEffect, useLayoutEffect, useState, type RefObject } from 'react';

export interface RowWindow {
  /** First and last row index to render (overscan included); `last` < `first` when there are none. */
  readonly first: number;
  readonly last: number;
  readonly totalHeight: number;
  readonly scrollToIndex: (index: number) => void;
}

/**
 * Virtual rows of one fixed height: which rows are on screen is arithmetic on the scroll offset, so the
 * cost does not grow with the list (100,000 rows cost what 100 do).
 */
export function useFixedRows(scrollRef: RefObject<HTMLElement | null>, count: number, rowHeight: number, overscan: number): RowWindow {
  const [view, setView] = useState({ top: 0, height: 0 });

  const measure = useCallback(() => {
    const el = scrollRef.current;
    if (el) setView((v) => (v.top === el.scrollTop && v.height === el.clientHeight ? v : { top: el.scrollTop, height: el.clientHeight }));
  }, [scrollRef]);

  useLayoutEffect(measure, [measure, count]);
  useEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    el.addEventListener('scroll', measure, { passive: true });
    const resize = new ResizeObserver(measure);
    resize.observe(el);
    return () => {
      el.removeEventListener('scroll', measure);
      resize.disconnect();
    };
  }, [scrollRef, measure]);

  const first = Math.max(0, Math.floor(view.top / rowHeight) - overscan);
  const last = Math.min(count - 1, Math.ceil((view.top + view.height) / rowHeight) + overscan);
  const scrollToIndex = useCallback(
    (index: number) => {
      const el = scrollRef.current;
      if (!el) return;
      const top = index * rowHeight;
      if (top < el.scrollTop) el.scrollTop = top;
      else if (top + rowHeight > el.scrollTop + el.clientHeight) el.scrollTop = top + rowHeight - el.clientHeight;
    },
    [scrollRef, rowHeight],
  );
  return { first, last, totalHeight: count * rowHeight, scrollToIndex };
}
