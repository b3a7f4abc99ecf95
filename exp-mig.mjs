import { connect } from "@nats-io/transport-node";
import { jetstreamManager, jetstream } from "@nats-io/jetstream";
const nc = await connect({ servers: "127.0.0.1:14221" });
const jsm = await jetstreamManager(nc);
const mode = process.argv[2];
if (mode === "create") {
  await jsm.streams.add({ name: "S", subjects: ["s.>"], retention: "workqueue" });
  await jsm.consumers.add("S", { durable_name: "c", ack_policy: "explicit" });
  const js = jetstream(nc);
  for (let i = 0; i < 10; i++) await js.publish("s.x", "m" + i);
  const c = await js.consumers.get("S", "c");
  for (let i = 0; i < 3; i++) { const m = await c.next(); m.ack(); }
  await new Promise(r => setTimeout(r, 500));
}
const si = await jsm.streams.info("S").catch(e => e.message);
console.log(JSON.stringify(si.state ?? si), si.config?.num_replicas, JSON.stringify(si.cluster));
const ci = await jsm.consumers.info("S", "c").catch(e => e.message);
console.log(JSON.stringify(ci.delivered ?? ci), ci.num_pending);
if (mode === "scale") { const u = await jsm.streams.update("S", { ...si.config, num_replicas: 3 }); console.log("scaled", u.config.num_replicas, JSON.stringify(u.cluster)); 
  await new Promise(r => setTimeout(r, 3000)); const ci2 = await jsm.consumers.info("S", "c"); console.log("consumer", ci2.config.num_replicas, JSON.stringify(ci2.cluster), ci2.num_pending);}
await nc.close();
