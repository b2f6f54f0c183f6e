"""The chart README's table of values, made from values.yaml's `# --` comments (issue #15):
    python3 deploy/k8s/test/values_table.py            prints the table
    python3 deploy/k8s/test/values_table.py --check    fails when deploy/k8s/broadcast/README.md's table differs
A value whose comment sits on a mapping (resources, say) is one row with the mapping as its default."""
import json
import os
import re
import sys

import yaml

here = os.path.dirname(os.path.abspath(__file__))
chart = os.path.join(here, "..", "broadcast")
begin, end = "<!-- values table: begin -->", "<!-- values table: end -->"


def rows():
    text = open(os.path.join(chart, "values.yaml")).read()
    values = yaml.safe_load(text)
    path, comment, out = [], None, []
    for line in text.splitlines():
        stripped = line.strip()
        indent = (len(line) - len(line.lstrip())) // 2
        if stripped.startswith("# --"):
            comment = [stripped[4:].strip()]
        elif stripped.startswith("#") and comment is not None:
            comment.append(stripped[1:].strip())
        elif re.match(r"^[A-Za-z0-9_]+:", stripped):
            key = stripped.split(":", 1)[0]
            path = path[:indent] + [key]
            if comment is not None:
                default = values
                for part in path:
                    default = default[part]
                out.append((".".join(path), json.dumps(default), " ".join(comment)))
            comment = None
    return out


def leaves(value, prefix):
    if isinstance(value, dict) and value:
        return [leaf for key, inner in value.items() for leaf in leaves(inner, f"{prefix}{key}.")]
    return [prefix.rstrip(".")]


def table():
    lines = ["| Value | Default | Description |", "|---|---|---|"]
    for key, default, text in rows():
        text = text.replace("|", "\\|")
        lines.append(f"| `{key}` | `{default}` | {text} |")
    return "\n".join(lines)


if __name__ == "__main__":
    if "--check" in sys.argv:
        readme = open(os.path.join(chart, "README.md")).read()
        current = readme.split(begin, 1)[1].split(end, 1)[0].strip() if begin in readme else ""
        if current != table():
            print("the chart README's table of values differs from values.yaml: run deploy/k8s/test/values_table.py")
            sys.exit(1)
        documented = [key for key, _, _ in rows()]
        bare = [leaf for leaf in leaves(yaml.safe_load(open(os.path.join(chart, "values.yaml"))), "")
                if not any(leaf == key or leaf.startswith(key + ".") for key in documented)]
        if bare:
            print("values.yaml has values without a `# --` comment: " + ", ".join(bare))
            sys.exit(1)
        print(f"the chart README documents all {len(documented)} values")
    else:
        print(table())
