"""Writes every document of the given multi-document YAML files as its own JSON file
(out_dir/<file>-<n>.json), so check-jsonschema can validate documents one by one.
Uses ruamel.yaml, which check-jsonschema itself depends on: no assistctl code involved."""
import json
import os
import sys

from ruamel.yaml import YAML

out_dir, files = sys.argv[1], sys.argv[2:]
yaml = YAML(typ="safe")
count = 0
for path in files:
    with open(path, encoding="utf-8") as f:
        for n, doc in enumerate(yaml.load_all(f)):
            if doc is None:
                continue
            name = os.path.basename(path).replace(".", "_")
            with open(os.path.join(out_dir, f"{name}-{n}.json"), "w") as o:
                json.dump(doc, o, default=str)
            count += 1
print(count)
