// Validates every object of a rendered manifest (a JSON array of the objects; check.py converts the YAML) against the Kubernetes OpenAPI schemas
// (kubernetes-models), and refuses fields a schema does not know. Custom resources (ServiceMonitor) are listed as
// not validated. Exit code 1 on any invalid object.
//
// The models' validators (compiled from the OpenAPI schemas) ignore fields they do not know, as the API server does
// without strict field validation; a misspelt field would pass. So every object is validated through a proxy that
// records which fields the validator read: a field it never read is unknown to the schema (a map, such as labels,
// is enumerated by its validator, which marks all of its keys as read).
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
    const read = new WeakMap();
    Model.prototype.validate.call(recording(model, read));
    const unknown = unread(model, read, "");
    if (unknown.length) throw new Error(`fields the schema does not know: ${unknown.join(", ")}`);
  } catch (error) {
    console.log(`invalid: ${what}: ${error.message}`);
    failed++;
  }
}
function recording(value, read) {
  if (typeof value !== "object" || value === null) return value;
  if (!read.has(value)) read.set(value, new Set());
  const keys = read.get(value);
  return new Proxy(value, {
    get(target, key) {
      if (typeof key === "string") keys.add(key);
      return recording(target[key], read);
    },
    ownKeys(target) {
      for (const key of Reflect.ownKeys(target)) keys.add(key);
      return Reflect.ownKeys(target);
    },
  });
}

function unread(value, read, path) {
  if (typeof value !== "object" || value === null) return [];
  const keys = read.get(value) ?? new Set();
  return Object.keys(value).flatMap((key) =>
    Array.isArray(value) || keys.has(key) ? unread(value[key], read, `${path}/${key}`) : [`${path}/${key}`]);
}

console.log(`${docs.length} objects, ${failed} invalid`);
process.exit(failed ? 1 : 0);
