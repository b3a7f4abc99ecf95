/**
 * @module web/ui/token-prompt — asks for `FRAMEGATE_API_TOKEN` when the gateway answers 401. The token
 * stays in this tab's sessionStorage and goes out as `Authorization: Bearer` (and `?token=` for the stream).
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { getToken, setToken } from "../api/token.js";

/** A modal-style form; `onToken` runs after the token is stored. */
export function TokenPrompt({ onToken }: { onToken: () => void }) {
  const [value, setValue] = useState("");
  const input = useRef<HTMLInputElement>(null);
  const hadToken = getToken() !== undefined;
  useEffect(() => input.current?.focus(), []);
  return (
    <div class="token-backdrop" role="dialog" aria-modal="true" aria-labelledby="token-title" aria-describedby="token-why">
      <form
        class="token-prompt"
        onSubmit={(e) => {
          e.preventDefault();
          if (!value.trim()) return;
          setToken(value.trim());
          onToken();
        }}
      >
        <h2 id="token-title">API token</h2>
        <p id="token-why">
          {hadToken ? "The gateway refused the stored token. " : "This gateway requires a token for its API. "}
          Enter the value of <code>FRAMEGATE_API_TOKEN</code>. It is kept only in this browser tab.
        </p>
        <label for="token-input">Token</label>
        <input id="token-input" ref={input} type="password" autocomplete="off" value={value} onInput={(e) => setValue(e.currentTarget.value)} />
        <div class="actions">
          <button type="submit" class="primary" disabled={!value.trim()}>
            Connect
          </button>
        </div>
      </form>
    </div>
  );
}
