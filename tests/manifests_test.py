#!/usr/bin/python3
"""The Kubernetes manifests, checked offline: every document parses strictly against the
Kubernetes API models (Debian's python3-kubernetes), labels match selectors, ports and probes
match the daemon's flags, the ConfigMap's load.pbtxt passes `loadgen --check`, and yamllint."""
import copy
import os
import re
import subprocess
import sys
import tempfile
import unittest

import kubernetes.client
import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loadgen_test_lib  # noqa: E402
from loadgen_test_lib import LOADGEN, LOADGENCTL, WRK2, LoggingServer, runfile  # noqa: E402

MANIFESTS = [runfile("kubernetes_manifests/loadgenerator.yaml"),
             runfile("kubernetes_manifests/loadgenerator-shards.yaml"),
             runfile("kubernetes_manifests/loadgenerator-master.yaml"),
             runfile("kubernetes_manifests/wrk2-job.yaml"),
             runfile("kubernetes_manifests/loadgen-sweep-job.yaml")]
MODELS = {("v1", "ConfigMap"): "V1ConfigMap", ("v1", "Service"): "V1Service",
          ("v1", "Secret"): "V1Secret", ("apps/v1", "Deployment"): "V1Deployment",
          ("apps/v1", "StatefulSet"): "V1StatefulSet", ("batch/v1", "Job"): "V1Job",
          ("v1", "ServiceAccount"): "V1ServiceAccount",
          ("v1", "PersistentVolumeClaim"): "V1PersistentVolumeClaim",
          ("rbac.authorization.k8s.io/v1", "Role"): "V1Role",
          ("rbac.authorization.k8s.io/v1", "RoleBinding"): "V1RoleBinding"}


def check_strictly(data, type_name, path):
    """Raises ValueError naming the first field the model does not have, or of a wrong type;
    then builds the model, which checks required fields."""
    if data is None:
        return
    if type_name.startswith("list["):
        if not isinstance(data, list):
            raise ValueError(f"{path}: a list expected")
        for i, item in enumerate(data):
            check_strictly(item, type_name[5:-1], f"{path}[{i}]")
        return
    if type_name.startswith("dict("):
        if not isinstance(data, dict):
            raise ValueError(f"{path}: a map expected")
        value_type = type_name[5:-1].split(", ", 1)[1]
        for key, value in data.items():
            check_strictly(value, value_type, f"{path}.{key}")
        return
    model = getattr(kubernetes.client.models, type_name, None)
    if model is None:  # str, int, bool, object, datetime
        if type_name == "str" and not isinstance(data, str):
            raise ValueError(f"{path}: a string expected, not {data!r}")
        if type_name == "int" and (isinstance(data, bool) or not isinstance(data, int)):
            raise ValueError(f"{path}: an integer expected, not {data!r}")
        if type_name == "bool" and not isinstance(data, bool):
            raise ValueError(f"{path}: true or false expected, not {data!r}")
        return
    if not isinstance(data, dict):
        raise ValueError(f"{path}: an object ({type_name}) expected")
    fields = {json_name: attr for attr, json_name in model.attribute_map.items()}
    for key, value in data.items():
        if key not in fields:
            raise ValueError(f"{path}: {type_name} has no field '{key}'")
        check_strictly(value, model.openapi_types[fields[key]], f"{path}.{key}")


def check_document(doc, where):
    model = MODELS.get((doc.get("apiVersion"), doc.get("kind")))
    if model is None:
        raise ValueError(f"{where}: unexpected {doc.get('apiVersion')} {doc.get('kind')}")
    check_strictly(doc, model, where)
    # Builds the model objects, which refuse missing required fields.
    kubernetes.client.ApiClient()._ApiClient__deserialize(doc, model)


def documents():
    for path in MANIFESTS:
        with open(path) as f:
            for i, doc in enumerate(yaml.safe_load_all(f)):
                yield f"{os.path.basename(path)}#{i}", doc


def flag(args, name):
    for arg in args:
        if arg.startswith(f"--{name}="):
            return arg.split("=", 1)[1]
    return None


class ManifestsTest(unittest.TestCase):

    def test_every_document_parses_strictly(self):
        for where, doc in documents():
            check_document(doc, where)

    def test_a_misspelt_field_is_caught(self):
        for where, doc in documents():
            if doc["kind"] != "Deployment":
                continue
            bad = copy.deepcopy(doc)
            container = bad["spec"]["template"]["spec"]["containers"][0]
            container["imagePullPolcy"] = container.pop("imagePullPolicy")
            with self.assertRaisesRegex(ValueError, "no field 'imagePullPolcy'"):
                check_document(bad, where)
            bad = copy.deepcopy(doc)
            bad["spec"]["replicas"] = "1"
            with self.assertRaisesRegex(ValueError, "integer expected"):
                check_document(bad, where)
            bad = copy.deepcopy(doc)
            del bad["spec"]["selector"]
            with self.assertRaises(ValueError):
                check_document(bad, where)

    def test_labels_select_the_pods_and_ports_match_the_flags(self):
        docs = [doc for _, doc in documents()]
        workloads = [d for d in docs if d["kind"] in ("Deployment", "StatefulSet")]
        self.assertEqual(len(workloads), 3)
        for w in workloads:
            if w["metadata"]["name"] == "loadgenerator-master":
                continue  # test_the_coordinator_finds_the_shards
            name = w["metadata"]["name"]
            pod = w["spec"]["template"]
            labels = pod["metadata"]["labels"]
            self.assertLessEqual(w["spec"]["selector"]["matchLabels"].items(), labels.items(), name)
            spec = pod["spec"]
            self.assertEqual(spec["nodeSelector"], {"dedicatednode": "load"})
            self.assertIn({"key": "dedicated", "operator": "Equal", "value": "load",
                           "effect": "NoSchedule"}, spec["tolerations"])
            self.assertGreater(spec["terminationGracePeriodSeconds"], 5, "> the stop timeout")
            self.assertTrue(spec["initContainers"], "waits for the frontend")
            container = spec["containers"][0]
            args = container["args"]
            ports = {p["name"]: p["containerPort"] for p in container["ports"]}
            self.assertEqual(int(flag(args, "grpc_address").rsplit(":", 1)[1]), ports["grpc"])
            self.assertEqual(int(flag(args, "metrics_address").rsplit(":", 1)[1]),
                             ports["metrics"])
            # The web UI (and Locust's API) of the one pod, behind its token; shards show theirs
            # through the coordinator.
            web = [a for a in args if a.startswith("--web_address=")]
            if name == "loadgenerator":
                self.assertTrue(web, "the web UI")
            if web:
                self.assertEqual(int(web[0].rsplit(":", 1)[1]), ports["web"])
            for probe in ("readinessProbe", "livenessProbe"):
                command = container[probe]["exec"]["command"]
                self.assertIn("health", command)
                self.assertEqual(flag(command, "address"), f"127.0.0.1:{ports['grpc']}")
            self.assertEqual(flag(args, "config"), "/etc/loadgen/load.pbtxt")
            mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
            volumes = {v["name"]: v for v in spec["volumes"]}
            self.assertEqual(volumes[mounts["/etc/loadgen"]]["configMap"]["name"],
                             "loadgenerator-config")
            token = flag(args, "control_token_file")
            self.assertIn("secret", volumes[mounts[os.path.dirname(token)]])
            # Results on a writable volume (the root filesystem is read-only).
            self.assertTrue(container["securityContext"]["readOnlyRootFilesystem"])
            writable = {m["mountPath"] for m in container["volumeMounts"]
                        if not m.get("readOnly") and "emptyDir" in volumes[m["name"]]}
            for result in ("csv", "html"):
                path = flag(args, result)
                self.assertIsNotNone(path, f"{name}: --{result}")
                self.assertIn(os.path.dirname(path), writable, f"{name}: --{result}={path}")
            # The phases loop: the pod waits for a start instead of loading forever at boot.
            self.assertIn("--wait_for_start", args, name)
            if w["kind"] == "StatefulSet":
                # The shard count is the StatefulSet's replicas, sent by loadgenctl at start.
                self.assertIsNone(flag(args, "shard_count"), "the count is written twice")
                service = next(d for d in docs if d["metadata"]["name"] ==
                               w["spec"]["serviceName"])
                self.assertEqual(service["spec"]["clusterIP"], "None", "headless")
        services = [d for d in docs if d["kind"] == "Service"]
        for s in services:
            selected = [w for w in workloads if s["spec"]["selector"].items() <=
                        w["spec"]["template"]["metadata"]["labels"].items()]
            self.assertEqual(len(selected), 1, s["metadata"]["name"])
            names = {p["name"] for p in selected[0]["spec"]["template"]["spec"]["containers"][0][
                "ports"]}
            for port in s["spec"]["ports"]:
                self.assertIn(port["targetPort"], names)

    def test_the_coordinator_finds_the_shards(self):
        docs = {(d["kind"], d["metadata"]["name"]): d for _, d in documents()}
        master = docs[("Deployment", "loadgenerator-master")]
        spec = master["spec"]["template"]["spec"]
        self.assertEqual(spec["nodeSelector"], {"dedicatednode": "load"}, "on the load node")
        container = spec["containers"][0]
        self.assertEqual(container["command"], ["/usr/local/bin/loadgenctl"])
        args = container["args"]
        self.assertEqual(args[-1], "serve")
        # --targets is the shards' headless Service and its gRPC port.
        service, port = flag(args, "targets").split(":")
        shards = docs[("Service", service)]
        self.assertEqual(shards["spec"]["clusterIP"], "None")
        self.assertIn(int(port), [p["port"] for p in shards["spec"]["ports"] if p["name"] == "grpc"])
        statefulset = docs[("StatefulSet", "loadgenerator-shard")]
        self.assertEqual(statefulset["spec"]["serviceName"], service)
        # Beyond loopback with the shards' token; the web port is the container's and the
        # Service's, and the probes ask /healthz, which needs no token.
        web_port = int(flag(args, "web_address").rsplit(":", 1)[1])
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        self.assertEqual(ports["web"], web_port)
        mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
        volumes = {v["name"]: v for v in spec["volumes"]}
        token = flag(args, "token_file")
        self.assertEqual(volumes[mounts[os.path.dirname(token)]]["secret"]["secretName"],
                         "loadgenerator-token")
        for probe in ("readinessProbe", "livenessProbe"):
            self.assertEqual(container[probe]["httpGet"], {"path": "/healthz", "port": "web"})
        front = docs[("Service", "loadgenerator-master")]
        self.assertEqual(front["spec"]["type"], "NodePort")
        self.assertEqual(front["spec"]["ports"][0]["targetPort"], "web")

    def test_the_config_map_passes_loadgen_check(self):
        config = next(d for _, d in documents() if d["kind"] == "ConfigMap")
        with tempfile.NamedTemporaryFile("w", suffix=".pbtxt") as f:
            f.write(config["data"]["load.pbtxt"])
            f.flush()
            run = subprocess.run([LOADGEN, "--check", f"--config={f.name}"],
                                 capture_output=True, text=True, timeout=60)
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertRegex(run.stdout, re.compile(r"valid: 3 phases"))

    def test_the_wrk2_job_runs_its_script_as_the_image_would(self):
        docs = [doc for _, doc in documents()]
        job = next(d for d in docs if d["kind"] == "Job")
        spec = job["spec"]["template"]["spec"]
        self.assertEqual(spec["restartPolicy"], "Never")
        self.assertEqual(spec["nodeSelector"], {"dedicatednode": "load"})
        container = spec["containers"][0]
        loadgenerator = next(d for d in docs if d["kind"] == "Deployment")
        self.assertEqual(container["image"],
                         loadgenerator["spec"]["template"]["spec"]["containers"][0]["image"])
        args = container["args"]
        self.assertEqual(args[0], "wrk", "the image's entry point runs wrk2 for these")
        script = args[args.index("-s") + 1]
        mount = next(m for m in container["volumeMounts"]
                     if script.startswith(m["mountPath"] + "/"))
        volume = next(v for v in spec["volumes"] if v["name"] == mount["name"])
        config_map = next(d for d in docs if d["kind"] == "ConfigMap" and
                          d["metadata"]["name"] == volume["configMap"]["name"])
        text = config_map["data"][os.path.basename(script)]
        # The Job's own command line, run for two seconds against a loopback server: the
        # arguments parse, the script loads and makes requests the server answers.
        with tempfile.TemporaryDirectory() as scripts, LoggingServer() as server:
            local = os.path.join(scripts, os.path.basename(script))
            with open(local, "w") as f:
                f.write(text)
            run_args = [local if a == script else "2s" if a == "10s" else
                        server.url if a.startswith("http") else a for a in args[1:]]
            run = subprocess.run([WRK2, *run_args], capture_output=True, text=True, timeout=60)
            paths = {p.split("?")[0] for p in server.paths()}
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(run.stderr, "", "no script errors")
        self.assertIn("Latency Distribution (HdrHistogram - Recorded Latency)", run.stdout)
        self.assertLessEqual({"/hotels", "/recommendations"}, paths)

    def test_the_sweep_job_may_scale_and_reads_its_experiment(self):
        docs = {(d["kind"], d["metadata"]["name"]): d for _, d in documents()}
        job = docs[("Job", "loadgen-sweep")]
        spec = job["spec"]["template"]["spec"]
        account = spec["serviceAccountName"]
        self.assertIn(("ServiceAccount", account), docs)
        binding = next(d for (kind, _), d in docs.items() if kind == "RoleBinding" and
                       {"kind": "ServiceAccount", "name": account} in d["subjects"])
        role = docs[("Role", binding["roleRef"]["name"])]
        self.assertIn({"apiGroups": ["apps"], "resources": ["deployments/scale"],
                       "verbs": ["get", "patch"]}, role["rules"])
        self.assertNotIn("*", str(role["rules"]), "no wildcard grants")
        container = spec["containers"][0]
        args = container["args"]
        self.assertEqual(args[-2], "sweep")
        # The targets are the shards' headless Service and gRPC port, with their token.
        service, port = flag(args, "targets").split(":")
        shards = docs[("Service", service)]
        self.assertEqual(shards["spec"]["clusterIP"], "None")
        self.assertIn(int(port), [p["port"] for p in shards["spec"]["ports"]])
        mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
        volumes = {v["name"]: v for v in spec["volumes"]}
        self.assertEqual(volumes[mounts["/etc/loadgen-token"]]["secret"]["secretName"],
                         "loadgenerator-token")
        # The results outlive the Job: on the claim, which a Job run again resumes from.
        out = flag(args, "out")
        results = next(p for p in mounts if out.startswith(p + "/"))
        claim = volumes[mounts[results]]["persistentVolumeClaim"]["claimName"]
        self.assertIn(("PersistentVolumeClaim", claim), docs)
        self.assertTrue(container["securityContext"]["readOnlyRootFilesystem"])
        # The experiment, its config and its setup script come from the ConfigMap mounted there.
        experiment = args[-1]
        folder = os.path.dirname(experiment)
        config_map = docs[("ConfigMap", volumes[mounts[folder]]["configMap"]["name"])]
        with tempfile.TemporaryDirectory() as local:
            for name, text in config_map["data"].items():
                with open(os.path.join(local, name), "w") as f:
                    f.write(text)
            syntax = subprocess.run(["sh", "-n", os.path.join(local, "scale.sh")],
                                    capture_output=True, text=True, timeout=30)
            self.assertEqual(syntax.returncode, 0, syntax.stderr)
            self.assertIn(f"{folder}/scale.sh", config_map["data"]["experiment.pbtxt"])
            # The experiment and its config parse and check; only the shards are missing here.
            run = subprocess.run([LOADGENCTL, "--targets=127.0.0.1:1", "--rpc_timeout=2s",
                                  f"--out={local}/out", "sweep",
                                  os.path.join(local, "experiment.pbtxt")],
                                 capture_output=True, text=True, timeout=60)
            self.assertEqual(run.returncode, 1)
            self.assertIn("UNAVAILABLE: 127.0.0.1:1", run.stderr)
            check = subprocess.run([LOADGEN, f"--config={local}/load.pbtxt", "--check"],
                                   capture_output=True, text=True, timeout=60)
            self.assertEqual(check.returncode, 0, check.stderr)

    def test_yamllint(self):
        run = subprocess.run(["yamllint", "-d", "{extends: default, rules: {line-length: "
                              "{max: 120}, document-start: disable}}", *MANIFESTS],
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)


if __name__ == "__main__":
    loadgen_test_lib.main()
