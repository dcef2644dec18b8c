import { useCallback, useEffect, useState, type RefCallback } from 'react';

/**
 * The content width of an element, kept current with a ResizeObserver. Returns a callback ref, so an element that
 * mounts later (after a loading state) is measured too.
 */
export function useElementWidth<T extends HTMLElement>(initial = 800): [RefCallback<T>, number] {
  const [el, setEl] = useState<T | null>(null);
  const [width, setWidth] = useState(initial);
  const ref = useCallback((node: T | null) => setEl(node), []);
  useEffect(() => {
    if (!el) return;
    const measure = () => setWidth(Math.max(0, Math.floor(el.clientWidth)));
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, [el]);
  return [ref, width];
}
