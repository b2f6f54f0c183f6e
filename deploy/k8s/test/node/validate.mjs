// Validates every object of a rendered manifest (a JSON array of the objects; check.py converts the YAML) against the Kubernetes OpenAPI schemas
// (kubernetes-models), and refuses fields a schema does not know. Custom resources (ServiceMonitor) are listed as
// not validated. Exit code 1 on any invalid object.
import { readFileSync } from "node:fs";

const [, , path] = process.argv;
const docs = JSON.parse(readFileSync(path, "utf8")).filter(Boolean);
let failed = 0;
for (const doc of docs) {
  const [group, version] = doc.apiVersion.includes("/") ? doc.apiVersion.split("/") : ["", doc.apiVersion];
  const what = `${doc.kind} ${doc.metadata?.name}`;
  if (group === "monitoring.coreos.com") {
    console.log(`not validated (custom resource): ${what}`);
    continue;
  }
  let Model;
  try {
    Model = (await import(`kubernetes-models/${group ? group + "/" : ""}${version}/${doc.kind}`))[doc.kind];
  } catch {
    console.log(`unknown kind: ${doc.apiVersion} ${what}`);
    failed++;
    continue;
  }
  try {
    const model = new Model(doc);
    model.validate();
  } catch (error) {
    console.log(`invalid: ${what}: ${error.message}`);
    failed++;
  }
}
console.log(`${docs.length} objects, ${failed} invalid`);
process.exit(failed ? 1 : 0);
