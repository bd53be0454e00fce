# SPDX-License-Identifier: MIT
"""Offline checks of examples/kubernetes/*.yaml (no cluster needed).

Every document parses as YAML; with the kubernetes-validate package
installed (pip install kubernetes-validate: it carries the API's schemas)
each one is also checked against the schema of Kubernetes VERSION. Then
what the example promises, per Deployment container under vigil:
liveness `vigil status --alive`, readiness `vigil status --ready`, no
preStop hook, runAsNonRoot, a read-only root with an emptyDir on /run, and
terminationGracePeriodSeconds above --stop-delay plus the ladder.
Prints "ok"/"FAIL" lines and ends with "N passed, N failed".

  python3 tests/swarm/k8s_check.py DIR [VERSION]
"""
import glob
import os
import re
import sys

import yaml

results = []


def check(name, ok, why=""):
    results.append(ok)
    print(("  ok   %s" if ok else "  FAIL %s: " + why) % name)


def secs(dur):
    """1m30s -> 90.0 (vigil's duration syntax)."""
    total, rest = 0.0, dur
    for num, unit in re.findall(r"([0-9.]+)(ms|h|m|s)", dur):
        total += float(num) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[unit]
        rest = rest.replace(num + unit, "", 1)
    if rest not in ("", "0"):
        raise ValueError("bad duration " + dur)
    return total


def ladder(seq):
    return sum(secs(step.split(":")[1]) for step in seq.split(",") if step)


def main():
    d = sys.argv[1]
    version = sys.argv[2] if len(sys.argv) > 2 else "1.29"
    try:
        import kubernetes_validate
    except ImportError:
        kubernetes_validate = None
        print("# schema check skipped: kubernetes-validate not installed "
              "(pip install kubernetes-validate)")
    for path in sorted(glob.glob(os.path.join(d, "*.yaml"))):
        base = os.path.basename(path)
        try:
            with open(path) as f:
                docs = [x for x in yaml.safe_load_all(f) if x]
        except yaml.YAMLError as e:
            check(base + ": YAML", False, str(e).splitlines()[0])
            continue
        check(base + ": YAML (%d documents)" % len(docs), bool(docs))
        for doc in docs:
            what = "%s: %s/%s" % (base, doc.get("kind"),
                                  doc.get("metadata", {}).get("name"))
            if kubernetes_validate:
                try:
                    kubernetes_validate.validate(doc, version, strict=True)
                    check(what + ": schema of Kubernetes " + version, True)
                except Exception as e:  # ValidationError and friends
                    check(what + ": schema", False, str(e).splitlines()[0])
            if doc.get("kind") == "Deployment":
                deployment(what, doc)
    passed = sum(results)
    print("%d passed, %d failed" % (passed, len(results) - passed))
    return 0 if passed == len(results) else 1


def deployment(what, doc):
    pod = doc["spec"]["template"]["spec"]
    vols = {v["name"]: v for v in pod.get("volumes", [])}
    for c in pod["containers"]:
        env = {e["name"]: e.get("value", "") for e in c.get("env", [])}
        if "VIGIL_PROBE" not in env:
            continue  # not under vigil (redis)
        w = "%s %s" % (what, c["name"])
        live = c.get("livenessProbe", {}).get("exec", {}).get("command")
        ready = c.get("readinessProbe", {}).get("exec", {}).get("command")
        check(w + ": liveness is vigil status --alive",
              live == ["/sbin/vigil", "status", "--alive"], repr(live))
        check(w + ": readiness is vigil status --ready",
              ready == ["/sbin/vigil", "status", "--ready"], repr(ready))
        check(w + ": no preStop hook",
              "preStop" not in c.get("lifecycle", {}), "preStop present")
        sc = dict(pod.get("securityContext", {}))
        sc.update(c.get("securityContext", {}))
        check(w + ": runAsNonRoot", sc.get("runAsNonRoot") is True)
        check(w + ": readOnlyRootFilesystem",
              sc.get("readOnlyRootFilesystem") is True)
        run = [m for m in c.get("volumeMounts", [])
               if m["mountPath"] == "/run"]
        check(w + ": an emptyDir on /run (the health file)",
              len(run) == 1 and "emptyDir" in vols.get(run[0]["name"], {}))
        need = secs(env.get("VIGIL_STOP_DELAY", "0")) + \
            ladder(env.get("VIGIL_STOP_SEQUENCE", ""))
        grace = pod.get("terminationGracePeriodSeconds", 30)
        check(w + ": terminationGracePeriodSeconds %s > drain + ladder %gs"
              % (grace, need), grace > need)
        budget = env.get("VIGIL_STOP_BUDGET")
        check(w + ": VIGIL_STOP_BUDGET is the grace period",
              budget is not None and secs(budget) == grace, repr(budget))


if __name__ == "__main__":
    sys.exit(main())
