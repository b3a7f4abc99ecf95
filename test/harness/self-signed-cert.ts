/**
 * @module test/harness/self-signed-cert — a self-signed certificate for 127.0.0.1 and localhost (openssl), for
 * the servers the harness runs with TLS: NATS when asked to offer it, and the Kubernetes API stand-in's HTTP/2.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { HarnessError } from "./process.js";
import { HOST } from "./util.js";

/** Writes `tls.crt` and `tls.key` (RSA 2048, valid 2 days) into `dir`; `what` names the server for the error. */
export function selfSignedCert(dir: string, what: string): { cert: string; key: string } {
  const [cert, key] = [join(dir, "tls.crt"), join(dir, "tls.key")];
  try {
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", `/CN=${HOST}`, "-addext", `subjectAltName=IP:${HOST},DNS:localhost`, "-keyout", key, "-out", cert], { stdio: "pipe" });
  } catch (e) {
    throw new HarnessError(`openssl could not make ${what}'s certificate (install openssl): ${(e as Error).message}`, "", { cause: e });
  }
  return { cert, key };
}
