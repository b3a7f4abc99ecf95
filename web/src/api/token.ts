/**
 * @module web/api/token — the API token (`FRAMEGATE_API_TOKEN`) the operator typed, kept in
 * sessionStorage: it survives reloads of this tab and is gone when the tab closes.
 */
const KEY = "framegate.apiToken";

/** The stored token, or undefined. */
export function getToken(): string | undefined {
  try {
    return sessionStorage.getItem(KEY) ?? undefined;
  } catch {
    return undefined; // storage disabled: the operator types it again after a reload
  }
}

/** Stores the token (or forgets it with undefined). */
export function setToken(token: string | undefined): void {
  try {
    if (token) sessionStorage.setItem(KEY, token);
    else sessionStorage.removeItem(KEY);
  } catch {
    // storage disabled: nothing to keep
  }
}
