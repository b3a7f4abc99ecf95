/** @module web/main — mounts the dashboard and starts its live data. */
import { render } from "preact";
import { App } from "./app.js";
import { startLive } from "./state/live-data.js";
import "./styles.css";

render(<App />, document.getElementById("app")!);
void startLive();
