#!/usr/bin/env python3
"""Checks the chart (issue #15): renders it for the default values and every override file, then checks
values against values.schema.json, every object against the Kubernetes OpenAPI schemas (kubernetes-models, node),
and the policy (non-root, read-only root, no privilege escalation, capabilities dropped, probes and resources on
every container, HPA and PDB for edges, no secret value inline). Then proves the checks can fail: a broken
template and an invalid value must each be refused. Prints one line per check and exits non-zero on any failure."""
import json, os, shutil, subprocess, sys, tempfile
import yaml
import jsonschema

here = os.path.dirname(os.path.abspath(__file__))
k8s = os.path.dirname(here)
chart = os.path.join(k8s, "broadcast")
renderer = os.path.join(k8s, "render", "render")
failures = []

def check(name, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else ": " + detail))
    if not ok:
        failures.append(name)

def build_renderer():
    env = dict(os.environ, GO111MODULE="off", GOPATH="/usr/share/gocode", GOCACHE=os.path.join(tempfile.gettempdir(), "broadcast-gocache"))
    subprocess.run(["go", "build", "-o", renderer, "render.go"], cwd=os.path.join(k8s, "render"), env=env, check=True)

def render(chart_dir, overrides):
    args = [renderer, "-chart", chart_dir] + sum((["-f", o] for o in overrides), [])
    result = subprocess.run(args, capture_output=True, text=True)
    return result.returncode, result.stdout, result.stderr

def merged_values(overrides):
    values = yaml.safe_load(open(os.path.join(chart, "values.yaml")))
    def merge(a, b):
        for k, v in b.items():
            a[k] = merge(a.get(k, {}), v) if isinstance(v, dict) and isinstance(a.get(k), dict) else v
        return a
    for o in overrides:
        values = merge(values, yaml.safe_load(open(o)) or {})
    return values

def containers(doc):
    spec = doc.get("spec", {})
    pod = spec.get("template", {}).get("spec") if doc["kind"] == "Deployment" else spec if doc["kind"] == "Pod" else None
    return pod, (pod or {}).get("containers", [])

def policy(name, docs, values):
    kinds = [(d["kind"], d["metadata"]["name"]) for d in docs]
    for doc in docs:
        pod, items = containers(doc)
        if pod is None:
            continue
        what = f"{name}: {doc['kind']} {doc['metadata']['name']}"
        hook = "helm.sh/hook" in doc["metadata"].get("annotations", {})
        check(f"{what} runs as non-root with seccomp RuntimeDefault", pod.get("securityContext", {}).get("runAsNonRoot") is True
              and pod["securityContext"].get("seccompProfile", {}).get("type") == "RuntimeDefault")
        for c in items:
            sc = c.get("securityContext", {})
            check(f"{what}/{c['name']} read-only root, no escalation, drops ALL", sc.get("readOnlyRootFilesystem") is True
                  and sc.get("allowPrivilegeEscalation") is False and "ALL" in sc.get("capabilities", {}).get("drop", []))
            check(f"{what}/{c['name']} has requests and limits", bool(c.get("resources", {}).get("requests")) and bool(c.get("resources", {}).get("limits")))
            if not hook:
                check(f"{what}/{c['name']} has startup, readiness and liveness probes", all(p in c for p in ("startupProbe", "readinessProbe", "livenessProbe")))
            for env in c.get("env", []):
                secret_like = any(word in env["name"].upper() for word in ("PASSWORD", "TOKEN", "SECRET"))
                check(f"{what}/{c['name']} {env['name']} not inline", not (secret_like and "value" in env and not env["value"].startswith("$(")))
    hpa_on = values["edge"]["hpa"]["enabled"]
    check(f"{name}: edges have an HPA" if hpa_on else f"{name}: no HPA when turned off", (("HorizontalPodAutoscaler", "broadcast-edge") in kinds) == hpa_on)
    check(f"{name}: edges have a PDB" if values["edge"]["pdb"]["enabled"] else f"{name}: no PDB when turned off",
          (("PodDisruptionBudget", "broadcast-edge") in kinds) == values["edge"]["pdb"]["enabled"])

def openapi(name, manifest_path):
    node = os.path.join(here, "node")
    if not os.path.isdir(os.path.join(node, "node_modules")):
        subprocess.run(["npm", "ci" if os.path.exists(os.path.join(node, "package-lock.json")) else "install", "--no-audit", "--no-fund", "--silent"], cwd=node, check=True)
    result = subprocess.run(["node", os.path.join(node, "validate.mjs"), manifest_path], capture_output=True, text=True)
    check(f"{name}: every object valid against the Kubernetes OpenAPI schemas", result.returncode == 0, result.stdout + result.stderr)
    return result.returncode == 0

def main():
    build_renderer()
    schema = json.load(open(os.path.join(chart, "values.schema.json")))
    cases = {"default": []}
    for f in ("external.yaml", "ingress.yaml", "networkpolicy.yaml", "hpa-off.yaml", "podman.yaml"):
        cases[f[:-5]] = [os.path.join(here, f)]
    check("values.yaml holds no secret value", not yaml.safe_load(open(os.path.join(chart, "values.yaml")))["secrets"]["sourcePassword"])
    for name, overrides in cases.items():
        values = merged_values(overrides)
        errors = [e.message for e in jsonschema.Draft7Validator(schema).iter_errors(values)]
        check(f"{name}: values valid against values.schema.json", not errors, "; ".join(errors))
        code, out, err = render(chart, overrides)
        check(f"{name}: renders", code == 0, err)
        if code != 0:
            continue
        docs = [d for d in yaml.safe_load_all(out) if d]
        path = os.path.join(tempfile.gettempdir(), f"broadcast-chart-{name}.json")
        json.dump(docs, open(path, "w"))
        openapi(name, path)
        policy(name, docs, values)

    table = subprocess.run([sys.executable, os.path.join(here, "values_table.py"), "--check"], capture_output=True, text=True)
    check("the chart README's table documents every value of values.yaml", table.returncode == 0, table.stdout.strip())
    # The checks can fail: an invalid value file and a broken template must each be refused.
    values = merged_values([os.path.join(here, "invalid-value.yaml")])
    check("an invalid value is refused by the schema", any(True for _ in jsonschema.Draft7Validator(schema).iter_errors(values)))
    broken = tempfile.mkdtemp(prefix="broadcast-broken-chart-")
    try:
        shutil.copytree(chart, broken, dirs_exist_ok=True)
        with open(os.path.join(broken, "templates", "edge.yaml"), "a") as f:
            f.write("\n{{ .Values.edge.replicas | nosuchfunction }}\n")
        code, _, _ = render(broken, [])
        check("a broken template is refused by the render", code != 0)
        with open(os.path.join(broken, "templates", "ingest.yaml"), "w") as f:
            f.write("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec: {replicas: two, selector: {}, template: {}}\n")
        os.remove(os.path.join(broken, "templates", "edge.yaml"))
        code, out, _ = render(broken, [])
        path = os.path.join(tempfile.gettempdir(), "broadcast-chart-broken.json")
        json.dump([d for d in yaml.safe_load_all(out) if d], open(path, "w"))
        node_ok = subprocess.run(["node", os.path.join(here, "node", "validate.mjs"), path], capture_output=True).returncode == 0
        check("an invalid object is refused by the OpenAPI check", code == 0 and not node_ok)
        # A misspelt field in an otherwise valid object (the API server would drop it without a word).
        with open(os.path.join(broken, "templates", "ingest.yaml"), "w") as f:
            f.write("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, lables: {a: b}}\ndata: {a: b}\n")
        code, out, _ = render(broken, [])
        json.dump([d for d in yaml.safe_load_all(out) if d], open(path, "w"))
        result = subprocess.run(["node", os.path.join(here, "node", "validate.mjs"), path], capture_output=True, text=True)
        check("an unknown field is refused by the OpenAPI check", code == 0 and result.returncode != 0 and "/metadata/lables" in result.stdout)
    finally:
        shutil.rmtree(broken, ignore_errors=True)
    print(f"chart checks: {len(failures)} failed")
    sys.exit(1 if failures else 0)

main()
