/**
 * @module web/state/store — the dashboard's whole state approach: a value, a `set` that merges a patch,
 * subscribers, and a hook that re-renders a component when the part it selected changes.
 */
import { useEffect, useReducer, useRef } from "preact/hooks";

/** An observable object; `set` replaces it with a shallow-merged copy, so selections compare by identity. */
export class Store<T extends object> {
  #state: T;
  readonly #subs = new Set<() => void>();

  constructor(initial: T) {
    this.#state = initial;
  }

  get state(): T {
    return this.#state;
  }

  /** Merges `patch` (or what `fn(state)` returns) into the state and notifies subscribers. */
  set(patch: Partial<T> | ((s: T) => Partial<T>)): void {
    const p = typeof patch === "function" ? patch(this.#state) : patch;
    this.#state = { ...this.#state, ...p };
    for (const fn of [...this.#subs]) fn();
  }

  /** Calls `fn` after every change; returns the unsubscribe function. */
  subscribe(fn: () => void): () => void {
    this.#subs.add(fn);
    return () => this.#subs.delete(fn);
  }
}

/**
 * The part of `store` that `select` picks; the component re-renders when it changes (`Object.is`).
 * @example const cameras = useStore(data, (s) => s.cameras);
 */
export function useStore<T extends object, S>(store: Store<T>, select: (s: T) => S): S {
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const value = select(store.state);
  const latest = useRef({ select, value });
  latest.current = { select, value };
  useEffect(
    () =>
      store.subscribe(() => {
        if (!Object.is(latest.current.select(store.state), latest.current.value)) rerender(0);
      }),
    [store],
  );
  return value;
}
