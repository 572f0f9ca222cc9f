#!/usr/bin/env python3
"""Checks every manifest under deploy/kubernetes, as scripts/validate-manifests runs it.

- Each kustomization (base and overlays) is rendered with `kubectl kustomize` (which
  refuses an unknown field in a kustomization.yaml or a patch that matches nothing), and
  every object it renders is validated in strict mode (an unknown field is an error)
  against the Kubernetes schemas of each version in --kubernetes (kubernetes-validate);
  a CloudNativePG Cluster against the operator's own CRD schema, vendored in
  deploy/kubernetes/schemas/, with every object closed to unknown fields as the API
  server's strict field validation is. A kind with no schema is an error, never a skip.
- Every other YAML file (the Secrets' template) is validated the same way, and must hold
  placeholders only; every YAML file must be one or the other, or a patch.
- Across the rendered objects: selectors select the Deployment's pods, the autoscaler
  and the references (ConfigMap, Secrets, probes' port) name what exists, the probes are
  /readyz and /healthz, an overlay sets the database, and every MEDICLOUD_* name in the
  manifests (comments included) is one `medicloud cloud --help` lists; the pods are
  unprivileged, read-only and bounded, given time to stop gracefully, and the autoscaler
  never goes below what the disruption budget lets a drain take from.
- Then a self-check: a misspelt Deployment field, a misspelt Cluster field, an unknown
  variable, a writable root filesystem and a misspelt kustomization field must each be
  refused, so that the checks above cannot pass whatever they are given.

Exit 1 on any error. `--vendor-cnpg-crd CRD.yaml` writes the vendored schema anew from
CloudNativePG's config/crd/bases/postgresql.cnpg.io_clusters.yaml.
"""

import argparse
import copy
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import jsonschema
import kubernetes_validate
import yaml
from kubernetes_validate.utils import SchemaNotFoundError, ValidationError

ROOT = Path(__file__).resolve().parent.parent
MANIFESTS = ROOT / "deploy" / "kubernetes"
CNPG_SCHEMA = MANIFESTS / "schemas" / "postgresql.cnpg.io_v1_cluster.json"
# Read by the binary besides its flags' variables: tracing's filter, and the CA bundle
# the image points to.
OTHER_ENV = {"RUST_LOG", "SSL_CERT_FILE"}


def rel(path):
    return str(Path(path).resolve().relative_to(ROOT))


def load_docs(text):
    return [doc for doc in yaml.safe_load_all(text) if doc is not None]


def name_of(obj):
    return f"{obj.get('kind')}/{(obj.get('metadata') or {}).get('name')}"


# --- schemas ---------------------------------------------------------------------------


def closed(schema):
    """The schema with every object that lists its properties closed to others, as the
    API server's strict field validation treats a custom resource."""
    schema = copy.deepcopy(schema)

    def walk(node):
        if not isinstance(node, dict):
            return
        if (
            "properties" in node
            and "additionalProperties" not in node
            and not node.get("x-kubernetes-preserve-unknown-fields")
        ):
            node["additionalProperties"] = False
        for sub in (node.get("properties") or {}).values():
            walk(sub)
        for key in ("items", "additionalProperties", "not"):
            walk(node.get(key))
        for key in ("allOf", "anyOf", "oneOf"):
            for sub in node.get(key) or []:
                walk(sub)

    walk(schema)
    return schema


class Validator:
    def __init__(self, versions):
        self.versions = versions
        cnpg = json.loads(CNPG_SCHEMA.read_text())
        self.cnpg_source = cnpg.pop("$comment", "")
        self.cnpg = jsonschema.Draft7Validator(closed(cnpg))

    def errors(self, obj):
        """What is wrong with one object, as `path: message` lines (none: valid)."""
        if not isinstance(obj, dict) or "apiVersion" not in obj or "kind" not in obj:
            return ["not a Kubernetes object (no apiVersion and kind)"]
        if (obj["apiVersion"], obj["kind"]) == ("postgresql.cnpg.io/v1", "Cluster"):
            found = [
                f"{'.'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}"
                for e in sorted(self.cnpg.iter_errors(obj), key=lambda e: list(e.path))
            ]
            # The CRD leaves metadata open: it is an ObjectMeta, checked as one.
            probe = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": obj.get("metadata")}
            return found + [f"metadata: {e}" for e in self.kubernetes(probe)]
        return self.kubernetes(obj)

    def kubernetes(self, obj):
        found = []
        for version in self.versions:
            try:
                kubernetes_validate.validate(obj, version, strict=True)
            except ValidationError as e:
                path = ".".join(map(str, e.path)) or "(top)"
                found.append(f"Kubernetes {version}: {path}: {e.message}")
            except SchemaNotFoundError:
                found.append(
                    f"Kubernetes {version} has no {obj['kind']} in {obj['apiVersion']}"
                )
        return found


# --- the checks across objects ---------------------------------------------------------


def selects(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def coherence(objects, secrets, env_names, overlay):
    """The references between rendered objects, and what the cloud needs of them."""
    problems = []
    by_kind = {}
    for obj in objects:
        by_kind.setdefault(obj["kind"], {})[obj["metadata"]["name"]] = obj
    configmaps = by_kind.get("ConfigMap", {})
    # The Secrets an operator makes from the template, and those CloudNativePG makes for
    # each Cluster (NAME-app with the application user's uri).
    secret_keys = dict(secrets)
    for cluster in by_kind.get("Cluster", {}):
        secret_keys[f"{cluster}-app"] = {"uri", "username", "password", "host", "port", "dbname"}
    namespaces = set(by_kind.get("Namespace", {}))
    for obj in objects:
        ns = obj["metadata"].get("namespace")
        if obj["kind"] != "Namespace" and ns not in namespaces:
            problems.append(f"{name_of(obj)} is in namespace {ns!r}, which is not rendered")
    deployments = by_kind.get("Deployment", {})
    if not deployments:
        problems.append("no Deployment")
    for name, dep in deployments.items():
        pod = dep["spec"]["template"]
        labels = pod["metadata"].get("labels", {})
        if not selects(dep["spec"]["selector"].get("matchLabels"), labels):
            problems.append(f"Deployment/{name}'s selector does not select its own pods")
        for container in pod["spec"]["containers"]:
            where = f"Deployment/{name} container {container['name']}"
            ports = {p.get("name") for p in container.get("ports", [])}
            for probe, path in (
                ("startupProbe", "/healthz"),
                ("readinessProbe", "/readyz"),
                ("livenessProbe", "/healthz"),
            ):
                got = (container.get(probe) or {}).get("httpGet") or {}
                if got.get("path") != path:
                    problems.append(f"{where}: {probe} is {got.get('path')!r}, not {path}")
                if got.get("port") not in ports:
                    problems.append(f"{where}: {probe}'s port {got.get('port')!r} is not a named port")
            names = set()
            for source in container.get("envFrom", []):
                ref = (source.get("configMapRef") or {}).get("name")
                if ref not in configmaps:
                    problems.append(f"{where}: envFrom names ConfigMap {ref!r}, which is not rendered")
                else:
                    names |= set(configmaps[ref].get("data", {}))
            for var in container.get("env", []):
                names.add(var["name"])
                ref = (var.get("valueFrom") or {}).get("secretKeyRef")
                if ref and ref["name"] not in secret_keys:
                    problems.append(f"{where}: {var['name']} reads Secret {ref['name']!r}, which nothing makes")
                elif ref and ref["key"] not in secret_keys[ref["name"]]:
                    problems.append(f"{where}: {var['name']} reads key {ref['key']!r}, which Secret {ref['name']} lacks")
            for unknown in sorted(names - env_names):
                problems.append(f"{where}: {unknown} is no variable medicloud cloud reads")
            if overlay and "MEDICLOUD_CLOUD_DATABASE" not in names:
                problems.append(f"{where}: no MEDICLOUD_CLOUD_DATABASE (the overlay's one job)")
            problems += hardening(where, pod["spec"], container)
        for kind in ("Service", "PodDisruptionBudget"):
            for other, obj in by_kind.get(kind, {}).items():
                selector = obj["spec"]["selector"]
                selector = selector.get("matchLabels", selector) if kind != "Service" else selector
                if not selects(selector, labels):
                    problems.append(f"{kind}/{other} selects none of Deployment/{name}'s pods")
    for name, hpa in by_kind.get("HorizontalPodAutoscaler", {}).items():
        target = hpa["spec"]["scaleTargetRef"]
        if target["kind"] != "Deployment" or target["name"] not in deployments:
            problems.append(f"HorizontalPodAutoscaler/{name} scales {target['kind']}/{target['name']}, which is not rendered")
        for pdb, budget in by_kind.get("PodDisruptionBudget", {}).items():
            least = budget["spec"].get("minAvailable", 0)
            if isinstance(least, int) and hpa["spec"].get("minReplicas", 1) <= least:
                problems.append(f"HorizontalPodAutoscaler/{name} may go down to {hpa['spec'].get('minReplicas', 1)} replicas, where PodDisruptionBudget/{pdb} (minAvailable {least}) lets no drain take one")
    return problems


# The cloud's graceful stop: requests in flight get this long after SIGTERM
# (medicloud_edge::Limits::CLOUD.drain).
DRAIN_SECONDS = 5


def hardening(where, pod, container):
    """What the deploy/README.md promises of every cloud pod: unprivileged, read-only,
    bounded, and given the time its graceful stop takes."""
    problems = []
    pod_security = pod.get("securityContext") or {}
    security = container.get("securityContext") or {}
    if not (pod_security.get("runAsNonRoot") or security.get("runAsNonRoot")):
        problems.append(f"{where}: not runAsNonRoot")
    if security.get("readOnlyRootFilesystem") is not True:
        problems.append(f"{where}: the root filesystem is not read-only")
    if security.get("allowPrivilegeEscalation") is not False:
        problems.append(f"{where}: privilege escalation is not ruled out")
    if "ALL" not in ((security.get("capabilities") or {}).get("drop") or []):
        problems.append(f"{where}: the capabilities are not all dropped")
    resources = container.get("resources") or {}
    for kind in ("requests", "limits"):
        for what in ("cpu", "memory"):
            if what not in (resources.get(kind) or {}):
                problems.append(f"{where}: no {what} in resources.{kind}")
    pause = (((container.get("lifecycle") or {}).get("preStop") or {}).get("sleep") or {}).get("seconds", 0)
    grace = pod.get("terminationGracePeriodSeconds", 30)
    if grace <= pause + DRAIN_SECONDS:
        problems.append(f"{where}: terminationGracePeriodSeconds {grace} leaves no room after preStop ({pause} s) and the drain ({DRAIN_SECONDS} s)")
    return problems


def names_in_text(text):
    return set(re.findall(r"\bMEDICLOUD_[A-Z0-9_]+\b", text))


# --- the run ---------------------------------------------------------------------------


class Run:
    def __init__(self, args):
        self.kubectl = args.kubectl
        self.validator = Validator(args.kubernetes)
        self.env_names = self.cloud_env(args.medicloud) | OTHER_ENV
        self.problems = []

    @staticmethod
    def cloud_env(binary):
        # An empty environment: --help shows a variable's value when it is set.
        out = subprocess.run(
            [binary, "cloud", "--help"], env={}, capture_output=True, text=True, check=True
        ).stdout
        names = set(re.findall(r"\[env: ([A-Z0-9_]+)", out))
        if "MEDICLOUD_CLOUD_DATABASE" not in names:
            raise SystemExit(f"validate: `{binary} cloud --help` lists no MEDICLOUD_CLOUD_DATABASE")
        return names

    def render(self, folder):
        done = subprocess.run(
            [self.kubectl, "kustomize", str(folder)], capture_output=True, text=True
        )
        if done.returncode != 0:
            return None, done.stderr.strip()
        return load_docs(done.stdout), None

    def fail(self, where, lines):
        for line in lines:
            self.problems.append(f"{where}: {line}")

    def main(self):
        kustomizations = sorted(MANIFESTS.rglob("kustomization.yaml"))
        covered = set(kustomizations)
        for k in kustomizations:
            spec = yaml.safe_load(k.read_text())
            for entry in spec.get("resources", []) + [p.get("path") for p in spec.get("patches", [])]:
                if entry and (k.parent / entry).is_file():
                    covered.add((k.parent / entry).resolve())
        covered = {p.resolve() for p in covered}

        # The files no kustomization renders: the Secrets' template.
        secrets = {}
        loose = [p for p in sorted(MANIFESTS.rglob("*.yaml")) if p.resolve() not in covered]
        loose_count = 0
        for path in loose:
            for obj in load_docs(path.read_text()):
                loose_count += 1
                self.fail(f"{rel(path)} {name_of(obj)}", self.validator.errors(obj))
                if obj.get("kind") == "Secret":
                    data = obj.get("stringData", {})
                    secrets[obj["metadata"]["name"]] = set(data)
                    for key, value in data.items():
                        if "REPLACE" not in str(value):
                            self.fail(rel(path), [f"Secret {obj['metadata']['name']} key {key} holds a value, not a REPLACE-… placeholder"])
                    if obj.get("data"):
                        self.fail(rel(path), [f"Secret {obj['metadata']['name']} has data: a template holds stringData placeholders only"])

        for path in sorted(MANIFESTS.rglob("*.yaml")):
            unknown = names_in_text(path.read_text()) - self.env_names
            if unknown:
                self.fail(rel(path), [f"names {', '.join(sorted(unknown))}, which medicloud cloud does not read"])

        rendered = {}
        for k in kustomizations:
            where = rel(k.parent)
            objects, error = self.render(k.parent)
            if objects is None:
                self.fail(where, [f"kubectl kustomize: {error}"])
                continue
            rendered[where] = objects
            for obj in objects:
                self.fail(f"{where} {name_of(obj)}", self.validator.errors(obj))
            overlay = "overlays" in k.parent.parts
            self.fail(where, coherence(objects, secrets, self.env_names, overlay))

        self.self_check(rendered, secrets)

        for line in self.problems:
            print(f"ERROR {line}")
        if self.problems:
            print(f"validate: {len(self.problems)} problem(s) in deploy/kubernetes")
            return 1
        counts = ", ".join(f"{w}: {len(o)} objects" for w, o in rendered.items())
        print(
            f"validate: {counts}; {loose_count} in the Secrets' template — all valid against "
            f"Kubernetes {' and '.join(self.validator.versions)} (strict), the Cluster against "
            f"CloudNativePG's CRD schema ({self.validator.cnpg_source.split(',')[0]}, strict); "
            f"references, probes and variable names checked"
        )
        print(
            "validate: self-check: refused a misspelt Deployment field, a misspelt Cluster "
            "field, an unknown variable, a writable root filesystem and a misspelt "
            "kustomization field"
        )
        return 0

    def self_check(self, rendered, secrets):
        """Breaks a copy of what passed in four ways; each must be refused."""
        where = "self-check"
        objects = rendered.get("deploy/kubernetes/overlays/cloudnativepg")
        if not objects:
            self.fail(where, ["overlays/cloudnativepg did not render: nothing to break"])
            return
        objects = copy.deepcopy(objects)
        deployment = next(o for o in objects if o["kind"] == "Deployment")
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        container["readinesProbe"] = container.pop("readinessProbe", {})
        if not self.validator.errors(deployment):
            self.fail(where, ["a Deployment with `readinesProbe` passed the Kubernetes schemas"])
        cluster = next(o for o in objects if o["kind"] == "Cluster")
        cluster["spec"]["instanse"] = cluster["spec"].pop("instances", 3)
        if not self.validator.errors(cluster):
            self.fail(where, ["a Cluster with `instanse` passed the CloudNativePG schema"])
        objects = copy.deepcopy(rendered["deploy/kubernetes/overlays/cloudnativepg"])
        configmap = next(o for o in objects if o["kind"] == "ConfigMap")
        configmap["data"]["MEDICLOUD_CLOUD_INSECURE_HTTPS"] = "true"
        if not any("MEDICLOUD_CLOUD_INSECURE_HTTPS" in p for p in coherence(objects, secrets, self.env_names, True)):
            self.fail(where, ["MEDICLOUD_CLOUD_INSECURE_HTTPS passed as a variable of the cloud"])
        objects = copy.deepcopy(rendered["deploy/kubernetes/overlays/cloudnativepg"])
        deployment = next(o for o in objects if o["kind"] == "Deployment")
        deployment["spec"]["template"]["spec"]["containers"][0]["securityContext"]["readOnlyRootFilesystem"] = False
        if not any("read-only" in p for p in coherence(objects, secrets, self.env_names, True)):
            self.fail(where, ["a writable root filesystem passed"])
        with tempfile.TemporaryDirectory() as tmp:
            copy_root = Path(tmp) / "kubernetes"
            shutil.copytree(MANIFESTS, copy_root)
            k = copy_root / "overlays" / "external-postgres" / "kustomization.yaml"
            k.write_text(k.read_text().replace("resources:", "resourcs:", 1))
            objects, _ = self.render(k.parent)
            if objects is not None:
                self.fail(where, ["kubectl kustomize rendered a kustomization.yaml with `resourcs`"])


def vendor(crd_path, source):
    crd = yaml.safe_load(Path(crd_path).read_text())
    version = next(v for v in crd["spec"]["versions"] if v["name"] == "v1")
    schema = version["schema"]["openAPIV3Schema"]

    def strip(node):
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if not (k == "description" and isinstance(v, str))}
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node

    schema = strip(schema)
    # A manifest never writes the status (the operator does): left out, so one that
    # does is refused.
    schema["properties"].pop("status", None)
    out = {"$comment": f"{source}: the v1 Cluster's openAPIV3Schema without descriptions and status. Written by deploy/validate.py --vendor-cnpg-crd; do not edit by hand."}
    out.update(schema)
    CNPG_SCHEMA.parent.mkdir(parents=True, exist_ok=True)
    CNPG_SCHEMA.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
    print(f"validate: wrote {rel(CNPG_SCHEMA)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kubernetes", nargs="+", default=["1.30.0", "1.37.0"], help="Kubernetes versions")
    parser.add_argument("--kubectl", default="kubectl")
    parser.add_argument("--medicloud", default=str(ROOT / "target" / "debug" / "medicloud"))
    parser.add_argument("--vendor-cnpg-crd", metavar="CRD.yaml")
    parser.add_argument("--source", default="CloudNativePG", help="with --vendor-cnpg-crd: where the CRD came from")
    args = parser.parse_args()
    if args.vendor_cnpg_crd:
        vendor(args.vendor_cnpg_crd, args.source)
        return 0
    return Run(args).main()


if __name__ == "__main__":
    sys.exit(main())
