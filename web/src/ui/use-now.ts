/** @module web/ui/use-now — the current time, re-rendering every `ms`, for "12 s ago" columns. */
import { useEffect, useState } from "preact/hooks";

/** Date.now(), refreshed every `ms` (default 1 s). */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = window.setInterval(() => setNow(Date.now()), ms);
    return () => window.clearInterval(t);
  }, [ms]);
  return now;
}
