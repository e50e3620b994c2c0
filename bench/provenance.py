#!/usr/bin/env python3
"""Provenance of the published benchmark results (bench/results), declared in bench/provenance.json.

  provenance.py stamp SET --revision REV --build-type TYPE [--machine LINE]
      (or stamp_set() from a Python benchmark) writes the stamp into the first line of every result file of SET: the commit the measured code was at
      when the run started (REV, "-dirty" appended by bench/common.sh's code_revision when tracked files
      outside bench/results differed from it), the build type, the date and the machine line. CSV files
      get "# provenance {json}" (read them with comment="#"), Markdown files "<!-- provenance {json} -->".
  provenance.py check
      For every result file that README.md, bench/README.md or docs/*.md quote (bench/results/NAME, braces
      and * expanded): fails when it has no stamp, was measured on a dirty tree, is not declared in
      provenance.json, or a commit after its revision changed a path its benchmark declares (changes of
      whitespace alone, a reformatting, do not count). One line per
      file; exit status 1 on any failure, 77 (skipped) where there is no history to check against (no git,
      or a shallow clone without a stamp's revision). Run by CTest (bench_provenance).
"""
import argparse
import datetime
import glob
import itertools
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(ROOT, "bench", "results")
QUOTING = ["README.md", os.path.join("bench", "README.md")] + sorted(
    os.path.relpath(p, ROOT) for p in glob.glob(os.path.join(ROOT, "docs", "*.md")))
STAMP = re.compile(r"^(?:# provenance (\{.*\})|<!-- provenance (\{.*\}) -->)\s*$")


def registry():
    with open(os.path.join(ROOT, "bench", "provenance.json")) as f:
        return {k: v for k, v in json.load(f).items() if not k.startswith("_")}


def git(*args):
    return subprocess.run(["git", "-C", ROOT, *args], check=True, capture_output=True, text=True).stdout.strip()


def code_revision():
    """The commit HEAD is at, short, with "-dirty" when tracked files outside bench/results differ from it (as
    bench/common.sh's code_revision); call it when the run starts."""
    rev = git("rev-parse", "--short", "HEAD")
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)bench/results")
    return rev + ("-dirty" if dirty else "")


def build_type(build_dir):
    """CMAKE_BUILD_TYPE of a configured build directory, with "native" when L0SVGD_NATIVE is on."""
    values = {}
    with open(os.path.join(build_dir, "CMakeCache.txt")) as f:
        for line in f:
            m = re.match(r"(CMAKE_BUILD_TYPE|L0SVGD_NATIVE):\w+=(.*)", line.strip())
            if m:
                values[m.group(1)] = m.group(2)
    native = values.get("L0SVGD_NATIVE", "OFF").upper() in ("ON", "1", "TRUE")
    return values.get("CMAKE_BUILD_TYPE", "unknown") + (" (-march=native)" if native else " (portable)")


def stamp_set(name, revision, build, machine=None, files=None):
    """Stamps the result files of set `name` (all, or those in `files`; see stamp)."""
    sets = registry()
    if name not in sets:
        sys.exit(f"provenance.py: unknown result set '{name}' (bench/provenance.json has {', '.join(sets)})")
    dirty = revision.endswith("-dirty")
    value = {"revision": revision.removesuffix("-dirty"), "dirty": dirty, "build_type": build,
             "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%MZ"),
             "machine": machine or machine_line(), "script": sets[name]["script"]}
    files = sets[name]["files"] if files is None else files
    for file in files:
        if file not in sets[name]["files"]:
            sys.exit(f"provenance.py: {file} is not a result file of {name}")
        path = os.path.join(RESULTS, file)
        if not os.path.exists(path):
            sys.exit(f"provenance.py: {path} was not written by {sets[name]['script']}")
        write_stamp(path, value)
    print(f"stamped {', '.join(files)}: {revision}{' (dirty tree)' if dirty else ''}")


def machine_line():
    model = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{model}, {os.cpu_count()} cores"


def read_stamp(path):
    with open(path) as f:
        m = STAMP.match(f.readline())
    return json.loads(m.group(1) or m.group(2)) if m else None


def write_stamp(path, stamp):
    with open(path) as f:
        lines = f.readlines()
    if lines and STAMP.match(lines[0]):
        lines = lines[1:]
    payload = json.dumps(stamp, sort_keys=True)
    head = f"# provenance {payload}\n" if path.endswith(".csv") else f"<!-- provenance {payload} -->\n"
    with open(path, "w") as f:
        f.writelines([head] + lines)


def stamp(args):
    stamp_set(args.set, args.revision, args.build_type, args.machine)


def expand(pattern):
    """bench/results names a document quotes: {a,b} alternatives and * globs over the files there."""
    parts = re.split(r"\{([^{}]*)\}", pattern)
    choices = [[p] if i % 2 == 0 else p.split(",") for i, p in enumerate(parts)]
    names = set()
    for combo in itertools.product(*choices):
        name = "".join(combo)
        name = re.sub(r"<[^>]*>", "*", name)  # bench/README's <inputs> placeholders
        if "*" in name:
            names.update(os.path.basename(p) for p in glob.glob(os.path.join(RESULTS, name)))
        else:
            names.add(name)
    return {n for n in names if n.endswith((".csv", ".md"))}


def quoted():
    found = {}
    for doc in QUOTING:
        with open(os.path.join(ROOT, doc)) as f:
            for number, line in enumerate(f, 1):
                for m in re.finditer(r"results/([A-Za-z0-9_.*{},<>-]+)", line):
                    for name in expand(m.group(1)):
                        found.setdefault(name, f"{doc}:{number}")
    return found


SKIP = 77  # CTest's SKIP_RETURN_CODE for bench_provenance: reported as skipped, never as passed


def skip(reason):
    print(f"provenance.py: check skipped: {reason}")
    sys.exit(SKIP)


def changed_content(revision, head, paths):
    """The commits after `revision` that touched `paths`, unless between the two revisions every touched
    file differs in whitespace only (a reformatting changes nothing that was measured): then none."""
    newer = git("rev-list", "--abbrev-commit", f"{revision}..{head}", "--", *paths).split()
    if not newer:
        return []
    for file in git("diff", "--name-only", revision, head, "--", *paths).split():
        def text(rev):
            try:
                return re.sub(r"\s+", "", git("show", f"{rev}:{file}"))
            except subprocess.CalledProcessError:  # added or removed
                return None
        if text(revision) != text(head):
            return newer
    return []


def check(_args):
    try:
        head = git("rev-parse", "HEAD")
        shallow = git("rev-parse", "--is-shallow-repository") == "true"
    except (OSError, subprocess.CalledProcessError) as e:
        skip(f"this tree has no git history to check the stamps against ({e})")
    sets = registry()
    owner = {name: key for key, s in sets.items() for name in s["files"]}
    failures = 0
    for name, where in sorted(quoted().items()):
        path = os.path.join(RESULTS, name)
        problem = None
        if name not in owner:
            problem = "quoted but not declared in bench/provenance.json"
        elif not os.path.exists(path):
            problem = "quoted but missing"
        else:
            s = read_stamp(path)
            paths = sets[owner[name]]["paths"]
            if s is None:
                problem = "no provenance stamp (re-run " + sets[owner[name]]["script"] + ")"
            elif s.get("dirty"):
                problem = f"measured on a dirty tree at {s['revision']}"
            else:
                try:
                    newer = changed_content(s["revision"], head, paths)
                except subprocess.CalledProcessError:
                    if shallow:
                        skip(f"a shallow clone: revision {s['revision']} of bench/results/{name} is not in "
                             "its history (run the check in a full clone)")
                    newer, problem = [], f"revision {s['revision']} is not in this repository's history"
                if newer:
                    problem = (f"measured at {s['revision']}, but {len(newer)} later commit(s) touched what it "
                               f"measures ({', '.join(newer[:3])}{', ...' if len(newer) > 3 else ''})")
        failures += problem is not None
        print(f"{'STALE' if problem else 'ok   '} bench/results/{name} (quoted in {where})"
              + (f": {problem}" if problem else f": {read_stamp(path)['revision']}"))
    if failures:
        sys.exit(f"provenance.py: {failures} quoted result file(s) are not traceable to HEAD's code")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    s = sub.add_parser("stamp")
    s.add_argument("set")
    s.add_argument("--revision", required=True)
    s.add_argument("--build-type", required=True)
    s.add_argument("--machine")
    s.set_defaults(run=stamp)
    c = sub.add_parser("check")
    c.set_defaults(run=check)
    args = ap.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
