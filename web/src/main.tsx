/** @module web/main — mounts the dashboard and starts its live data. */
import { render } from "preact";
import { App } from "./app.js";
import { startLive } from "./state/live-data.js";
import "./styles.css";

const root = document.getElementById("app")!;
root.textContent = ""; // the "Loading…" placeholder: render() would diff against it and keep it
render(<App />, root);
void startLive();
