/**
 * @module cli/commands/crd — `framegate crd`: the CustomResourceDefinitions of framegate.io, generated
 * from the rule and catalog schemas.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { crdFiles } from "../../rules/crds.js";
import { EXIT, parseFlags, type Command } from "../command.js";
import { flagPath } from "../dry-run.js";

export const command: Command = {
  usage: `usage: framegate crd [--out DIR]

Prints the CustomResourceDefinitions pipelines.framegate.io and processingservices.framegate.io
(generated from the schemas framegate validate uses) as YAML, for kubectl apply -f -.

  --out DIR   write <name>.yaml per CRD into DIR instead (npm run gen:crd writes k8s/base/crds)

exit 0  the YAML on stdout, or "wrote FILE" lines with --out
exit 2  bad flags`,
  async run(args, io) {
    const { values } = parseFlags("crd", args, { out: { type: "string" } });
    const files = crdFiles();
    if (values.out === undefined) {
      io.out(files.map((f) => f.text).join("---\n"));
      return EXIT.ok;
    }
    const dir = flagPath(io, values.out as string);
    await mkdir(dir, { recursive: true });
    for (const f of files) {
      await writeFile(join(dir, f.name), f.text);
      io.out(`wrote ${join(dir, f.name)}\n`);
    }
    return EXIT.ok;
  },
};
