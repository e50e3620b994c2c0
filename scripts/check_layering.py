#!/usr/bin/env python3
"""Checks that the library's dependencies point one way (README, "Repository layout").

  core ← parallel ← models ← {apps, metrics} ; metrics ← {svgd, mcmc, optim} ← io ← drivers

A module may include only the modules listed for it in ALLOWED: a model never includes an optimiser or
a sampler, the algorithms never include an application, and an application (src/apps/<name>/) never
includes another one. Reads every #include "l0svgd/..." of src/ and include/l0svgd/; prints one line per
violation and exits 1 if there is any. Run by CTest (layering).
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BASE = {"core", "parallel", "models"}
ALGORITHMS = {"svgd", "mcmc", "optim"}
ALLOWED = {
    "core": set(),
    "parallel": {"core"},
    "models": {"core", "parallel"},
    "apps": BASE,
    "metrics": BASE,
    **{m: BASE | {"metrics"} for m in ALGORITHMS},
    "io": BASE | {"metrics"} | ALGORITHMS,
    "drivers": BASE | {"apps", "metrics", "io"} | ALGORITHMS,
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"l0svgd/([a-z_]+)/(?:([a-z_]+)/)?')


def module_of(path):
    """(module, application or None) of a file under src/ or include/l0svgd/."""
    rel = os.path.relpath(path, ROOT).split(os.sep)
    parts = rel[2:] if rel[0] == "include" else rel[1:]
    app = parts[1] if parts[0] == "apps" and len(parts) > 2 else None
    return parts[0], app


def main():
    problems = []
    for top in ("src", os.path.join("include", "l0svgd")):
        for folder, _, files in os.walk(os.path.join(ROOT, top)):
            for name in files:
                if not name.endswith((".cpp", ".hpp", ".in")):
                    continue
                path = os.path.join(folder, name)
                module, app = module_of(path)
                if module not in ALLOWED:  # the executable (src/app) may include anything
                    continue
                with open(path, encoding="utf-8") as f:
                    for number, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if not m or m.group(1) == module and (app is None or m.group(2) in (None, app)):
                            continue
                        target = m.group(1)
                        where = f"{os.path.relpath(path, ROOT)}:{number}"
                        if target == module:
                            problems.append(f"{where}: application '{app}' includes application '{m.group(2)}'")
                        elif target not in ALLOWED[module]:
                            problems.append(f"{where}: {module} includes {target} ({line.strip()})")
    for p in problems:
        print(p)
    print(f"layering: {len(problems)} violation(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
