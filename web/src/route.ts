/** @module web/route — the page in the URL hash (`#/cameras?camera=gate-01`), so reloads and links keep it. */
import { useEffect, useState } from "preact/hooks";

/** The dashboard's pages, in navigation order. */
export const PAGES = [
  { id: "overview", title: "Overview" },
  { id: "cameras", title: "Cameras" },
  { id: "activity", title: "Activity" },
  { id: "results", title: "Results" },
  { id: "composer", title: "Composer" },
  { id: "resources", title: "Resources" },
] as const;

export type PageId = (typeof PAGES)[number]["id"];

/** The page and query of a hash such as `#/activity?pipeline=x`. */
export function parseHash(hash: string): { page: PageId; query: URLSearchParams } {
  const [path = "", q = ""] = hash.replace(/^#\/?/, "").split("?");
  const page = PAGES.find((p) => p.id === path)?.id ?? "overview";
  return { page, query: new URLSearchParams(q) };
}

/** A link target for a page, with optional query values. */
export function href(page: PageId, query: Record<string, string | undefined> = {}): string {
  const q = new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => !!e[1])).toString();
  return `#/${page}${q ? `?${q}` : ""}`;
}

/** The current route, updated on `hashchange`. */
export function useRoute(): { page: PageId; query: URLSearchParams } {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => setHash(location.hash);
    addEventListener("hashchange", on);
    return () => removeEventListener("hashchange", on);
  }, []);
  return parseHash(hash);
}
