//! The deployment files of `deploy/`. Kubernetes (`deploy/k8s`): each overlay builds (the
//! test's own small kustomize, and `kubectl kustomize` too when kubectl is installed),
//! and what it builds has what a production deployment needs: probes, resources, a
//! non-root security context, a termination grace period, config and credentials wired
//! to generated objects, selectors that match. The rules, the PrometheusRule and the
//! dashboards are what `salespulse mixin` generates. systemd (`deploy/systemd`): the unit verifies.

use std::path::{Path, PathBuf};
use std::process::Command;

use salespulse_e2e::{RULE_FILES, binary, kustomize};
use yaml_rust2::{Yaml, YamlLoader};

const APP: &str = "salespulse";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn build(overlay: &str) -> Vec<Yaml> {
    kustomize(&root().join("deploy/k8s").join(overlay)).unwrap_or_else(|e| panic!("{overlay}: {e}"))
}

fn object<'a>(objects: &'a [Yaml], kind: &str) -> &'a Yaml {
    let mut found = objects.iter().filter(|o| o["kind"].as_str() == Some(kind));
    let first = found.next().unwrap_or_else(|| panic!("no {kind}"));
    assert!(found.next().is_none(), "more than one {kind}");
    first
}

fn s<'a>(v: &'a Yaml, what: &str) -> &'a str {
    v.as_str().unwrap_or_else(|| panic!("{what} is missing"))
}

/// The checks every workload passes, whatever its kind.
fn check_pod(kind: &str, workload: &Yaml, objects: &[Yaml]) {
    let labels = &workload["spec"]["template"]["metadata"]["labels"];
    assert_eq!(workload["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"].as_str(), Some(APP), "{kind}");
    assert_eq!(labels["app.kubernetes.io/name"].as_str(), Some(APP), "{kind}: pod labels");
    let pod = &workload["spec"]["template"]["spec"];
    assert!(pod["terminationGracePeriodSeconds"].as_i64().unwrap_or(0) >= 30, "{kind}: grace for the final snapshot");
    assert_eq!(pod["securityContext"]["runAsNonRoot"].as_bool(), Some(true), "{kind}: non-root");
    assert!(pod["securityContext"]["runAsUser"].as_i64().unwrap_or(0) > 0, "{kind}: a non-root uid");
    let c = &pod["containers"][0];
    assert!(s(&c["image"], "image").contains(':'), "{kind}: a pinned image tag");
    assert_eq!(c["securityContext"]["allowPrivilegeEscalation"].as_bool(), Some(false), "{kind}");
    assert_eq!(c["securityContext"]["readOnlyRootFilesystem"].as_bool(), Some(true), "{kind}");
    assert_eq!(c["ports"][0]["name"].as_str(), Some("http"), "{kind}");
    assert_eq!(c["ports"][0]["containerPort"].as_i64(), Some(9898), "{kind}");
    for (probe, path) in [("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")] {
        assert_eq!(c[probe]["httpGet"]["path"].as_str(), Some(path), "{kind}: {probe}");
        assert_eq!(c[probe]["httpGet"]["port"].as_str(), Some("http"), "{kind}: {probe}");
    }
    for field in ["requests/cpu", "requests/memory", "limits/memory"] {
        let (a, b) = field.split_once('/').unwrap_or_default();
        s(&c["resources"][a][b], &format!("{kind}: resources.{field}"));
    }
    // Volumes name objects the build generates; the config file is where args say.
    for volume in pod["volumes"].as_vec().into_iter().flatten() {
        let (source, name) = match (&volume["configMap"]["name"], &volume["secret"]["secretName"]) {
            (Yaml::String(n), _) => ("ConfigMap", n),
            (_, Yaml::String(n)) => ("Secret", n),
            _ => continue,
        };
        let exists =
            objects.iter().any(|o| o["kind"].as_str() == Some(source) && o["metadata"]["name"].as_str() == Some(name));
        assert!(exists, "{kind}: volume {:?} names a missing {source} {name}", volume["name"]);
    }
    let args: Vec<&str> = c["args"].as_vec().into_iter().flatten().filter_map(Yaml::as_str).collect();
    assert_eq!(args.first(), Some(&"run"), "{kind}: args {args:?}");
    let config = args.iter().skip_while(|a| **a != "--config").nth(1).expect("--config FILE");
    let mounted = c["volumeMounts"]
        .as_vec()
        .into_iter()
        .flatten()
        .any(|m| m["name"].as_str() == Some("config") && config.starts_with(s(&m["mountPath"], "mountPath")));
    assert!(mounted, "{kind}: {config} is not under the config volume's mount");
}

/// The store an overlay's workload uses (`SALESPULSE_STATE`).
fn store(workload: &Yaml) -> String {
    let env = workload["spec"]["template"]["spec"]["containers"][0]["env"].as_vec().cloned().unwrap_or_default();
    let var = env.iter().find(|e| e["name"].as_str() == Some("SALESPULSE_STATE")).expect("SALESPULSE_STATE");
    s(&var["value"], "SALESPULSE_STATE").to_owned()
}

#[test]
fn the_file_store_overlay_is_one_statefulset_pod_with_a_volume_for_its_snapshots() {
    let objects = build("file-store");
    let sts = object(&objects, "StatefulSet");
    check_pod("StatefulSet", sts, &objects);
    assert_eq!(sts["spec"]["replicas"].as_i64(), Some(1), "file:// volumes are not shared: one pod");
    let dir = store(sts).strip_prefix("file://").expect("a file:// store").to_owned();
    let claim = s(&sts["spec"]["volumeClaimTemplates"][0]["metadata"]["name"], "a volume claim template");
    let mounts = sts["spec"]["template"]["spec"]["containers"][0]["volumeMounts"].as_vec().cloned().unwrap_or_default();
    assert!(mounts.iter().any(|m| m["name"].as_str() == Some(claim) && m["mountPath"].as_str() == Some(&dir)));
    assert!(sts["spec"]["template"]["spec"]["securityContext"]["fsGroup"].as_i64().is_some(), "a writable volume");
    // Each pod is a static member of the group, named after itself.
    let env = sts["spec"]["template"]["spec"]["containers"][0]["env"].as_vec().cloned().unwrap_or_default();
    let member = env.iter().find(|e| e["name"].as_str() == Some("SALESPULSE_KAFKA__GROUP_INSTANCE_ID"));
    assert_eq!(
        member.and_then(|e| e["valueFrom"]["fieldRef"]["fieldPath"].as_str()),
        Some("metadata.name"),
        "group.instance.id from the pod name"
    );
}

#[test]
fn the_kafka_store_overlay_is_a_deployment_of_several_pods() {
    let objects = build("kafka-store");
    let deployment = object(&objects, "Deployment");
    check_pod("Deployment", deployment, &objects);
    assert!(deployment["spec"]["replicas"].as_i64().unwrap_or(0) >= 2);
    assert!(store(deployment).starts_with("kafka://"));
}

#[test]
fn service_monitor_and_budget_select_the_pods() {
    for overlay in ["file-store", "kafka-store", "kube-prometheus"] {
        let objects = build(overlay);
        for o in &objects {
            s(&o["apiVersion"], "apiVersion");
            s(&o["metadata"]["name"], &format!("{overlay}: metadata.name of a {:?}", o["kind"]));
        }
        let services: Vec<&Yaml> = objects.iter().filter(|o| o["kind"].as_str() == Some("Service")).collect();
        let scraped: Vec<&&Yaml> = services
            .iter()
            .filter(|o| o["metadata"]["labels"]["app.kubernetes.io/name"].as_str() == Some(APP))
            .collect();
        assert_eq!(scraped.len(), 1, "{overlay}: the ServiceMonitor selects one Service (each pod scraped once)");
        let service = scraped[0];
        assert_eq!(service["spec"]["selector"]["app.kubernetes.io/name"].as_str(), Some(APP), "{overlay}");
        assert_eq!(service["spec"]["ports"][0]["targetPort"].as_str(), Some("http"), "{overlay}");
        assert_eq!(service["metadata"]["labels"]["app.kubernetes.io/name"].as_str(), Some(APP), "{overlay}");
        let monitor = object(&objects, "ServiceMonitor");
        assert_eq!(monitor["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"].as_str(), Some(APP));
        assert_eq!(monitor["spec"]["endpoints"][0]["port"].as_str(), Some("http"));
        assert_eq!(monitor["spec"]["endpoints"][0]["path"].as_str(), Some("/metrics"));
        let pdb = object(&objects, "PodDisruptionBudget");
        assert_eq!(pdb["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"].as_str(), Some(APP));
        object(&objects, "PrometheusRule");
        object(&objects, "ServiceAccount");
    }
}

#[test]
fn the_statefulset_is_governed_by_a_headless_service_and_deployment_pods_spread_over_nodes() {
    let objects = build("file-store");
    let set = object(&objects, "StatefulSet");
    let governing = s(&set["spec"]["serviceName"], "serviceName");
    let headless = objects
        .iter()
        .find(|o| o["kind"].as_str() == Some("Service") && o["metadata"]["name"].as_str() == Some(governing))
        .unwrap_or_else(|| panic!("no Service named {governing}"));
    assert_eq!(headless["spec"]["clusterIP"].as_str(), Some("None"), "the governing Service is headless");
    let objects = build("kafka-store");
    let spread = &object(&objects, "Deployment")["spec"]["template"]["spec"]["topologySpreadConstraints"][0];
    assert_eq!(spread["topologyKey"].as_str(), Some("kubernetes.io/hostname"));
    assert_eq!(spread["labelSelector"]["matchLabels"]["app.kubernetes.io/name"].as_str(), Some(APP));
}

#[test]
fn kube_prometheus_selects_the_monitor_and_the_rules_by_their_release_label() {
    let objects = build("kube-prometheus");
    for kind in ["ServiceMonitor", "PrometheusRule"] {
        let o = object(&objects, kind);
        assert_eq!(o["metadata"]["labels"]["release"].as_str(), Some("kube-prometheus-stack"), "{kind}");
        assert_eq!(o["metadata"]["labels"]["app.kubernetes.io/name"].as_str(), Some(APP), "{kind} keeps its labels");
    }
}

#[test]
fn the_rules_prometheus_rule_and_dashboards_are_what_the_mixin_generates() {
    let generated = salespulse_mixin::generate(&salespulse_mixin::Mixin::shipped());
    assert!(generated.len() >= 11, "{} files", generated.len());
    for file in &generated {
        let path = root().join("deploy").join(&file.path);
        let committed = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(committed == file.text, "deploy/{} is stale: run `make mixin`", file.path);
    }
    // The command says the same, and names a file that differs.
    let out =
        Command::new(binary()).args(["mixin", "--check", "--out"]).arg(root().join("deploy")).output().expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let copy = std::env::temp_dir().join(salespulse_e2e::unique("mixin-check"));
    let written = Command::new(binary()).args(["mixin", "--out"]).arg(&copy).output().expect("run");
    assert!(written.status.success(), "{}", String::from_utf8_lossy(&written.stderr));
    std::fs::write(copy.join("grafana/dashboards/salespulse-team.json"), "{}").expect("overwrite");
    let out = Command::new(binary()).args(["mixin", "--check", "--out"]).arg(&copy).output().expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("salespulse-team.json differs"));
    // The PrometheusRule holds the groups of the three rule files, in order.
    let committed = std::fs::read_to_string(root().join("deploy/k8s/base/prometheusrule.yaml")).expect("committed");
    let rule = &YamlLoader::load_from_str(&committed).expect("valid YAML")[0];
    let mut groups = Vec::new();
    for file in RULE_FILES {
        let text = std::fs::read_to_string(root().join(file)).expect("rule file");
        groups.extend(
            YamlLoader::load_from_str(&text).expect("valid YAML")[0]["groups"].as_vec().cloned().unwrap_or_default(),
        );
    }
    assert!(groups.len() >= 5, "{} groups", groups.len());
    assert_eq!(rule["spec"]["groups"].as_vec(), Some(&groups));
}

#[test]
fn a_mixin_configuration_with_problems_names_each_and_exits_2() {
    let dir = std::env::temp_dir().join(salespulse_e2e::unique("mixin-bad"));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let bad = salespulse_mixin::DEFAULT
        .replace("selector = 'job=\"salespulse\"'", "selector = 'job=salespulse'")
        .replace("rejected_ratio_max = 0.01", "rejected_ratio = 0.01");
    std::fs::write(dir.join("mixin.toml"), bad).expect("config");
    let out = Command::new(binary())
        .args(["mixin", "--config"])
        .arg(dir.join("mixin.toml"))
        .arg("--out")
        .arg(dir.join("out"))
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    for said in ["3 problem(s)", "selector:", "rejected_ratio_max is missing", "rejected_ratio is not a threshold"] {
        assert!(err.contains(said), "{said:?} not in {err}");
    }
    assert!(!dir.join("out").exists(), "nothing is written");
}

#[test]
fn the_shipped_configuration_checks() {
    let objects = build("kafka-store");
    let config = objects
        .iter()
        .find(|o| o["kind"].as_str() == Some("ConfigMap"))
        .map(|c| s(&c["data"]["salespulse.toml"], "salespulse.toml").to_owned())
        .expect("the config map");
    // The properties file is mounted from the Secret in a cluster; here, the example.
    let example = root().join("deploy/k8s/base/kafka-client.properties");
    let config = config.replace("/etc/salespulse/kafka/client.properties", &example.display().to_string());
    assert!(config.contains(&example.display().to_string()), "kafka.properties_file points at the Secret's mount");
    let dir = std::env::temp_dir().join(salespulse_e2e::unique("k8s-config"));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(dir.join("salespulse.toml"), config).expect("config");
    let out =
        Command::new(binary()).args(["check", "--config"]).arg(dir.join("salespulse.toml")).output().expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn the_shipped_bridge_configuration_checks_and_each_problem_is_listed() {
    let path = root().join("deploy/bridge/salespulse-bridge.toml");
    // The secrets come from the environment, as in the compose file.
    let check = |config: &std::path::Path| {
        Command::new(binary())
            .args(["check", "--config"])
            .arg(config)
            .env("SALESPULSE_BRIDGE_PIPEDRIVE_PASSWORD", "from-the-environment")
            .env("SALESPULSE_BRIDGE_HUBSPOT_APP_SECRET", "from-the-environment")
            .output()
            .expect("run")
    };
    let out = check(&path);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // Three mistakes, three lines, exit 2.
    let text = std::fs::read_to_string(&path)
        .expect("the example")
        .replace("listen = \"0.0.0.0:9465\"", "listen = \"nowhere\"")
        .replace("default_currency = \"EUR\"", "default_currency = \"euro\"")
        .replacen("source = \"pipedrive\"", "source = \"zoho\"", 1);
    let dir = std::env::temp_dir().join(salespulse_e2e::unique("bridge-config"));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(dir.join("bad.toml"), text).expect("config");
    let out = check(&dir.join("bad.toml"));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    for key in ["bridge.listen", "bridge.default_currency", "bridge.stages[7].source"] {
        assert!(err.contains(key), "{key} not reported:\n{err}");
    }
}

/// kubectl's own kustomize, when installed, builds every overlay into the same objects.
#[test]
fn kubectl_kustomize_builds_the_same_objects_when_installed() {
    for overlay in ["file-store", "kafka-store"] {
        let Ok(out) = Command::new("kubectl").arg("kustomize").arg(root().join("deploy/k8s").join(overlay)).output()
        else {
            eprintln!("kubectl not found: skipping");
            return;
        };
        assert!(out.status.success(), "{overlay}: {}", String::from_utf8_lossy(&out.stderr));
        let theirs = YamlLoader::load_from_str(&String::from_utf8_lossy(&out.stdout)).expect("kubectl's YAML");
        let kinds = |objects: &[Yaml]| {
            let mut k: Vec<String> = objects.iter().map(|o| s(&o["kind"], "kind").to_owned()).collect();
            k.sort();
            k
        };
        assert_eq!(kinds(&theirs), kinds(&build(overlay)), "{overlay}");
    }
}

/// The image and the unit run with the malloc arena limit docs/performance.md measures.
#[test]
fn the_image_and_the_unit_limit_malloc_arenas() {
    for (file, line) in [
        ("deploy/Dockerfile", "ENV MALLOC_ARENA_MAX=2"),
        ("deploy/systemd/salespulse.service", "Environment=MALLOC_ARENA_MAX=2"),
    ] {
        let text = std::fs::read_to_string(root().join(file)).expect(file);
        assert!(text.lines().any(|l| l.trim() == line), "{file} should hold `{line}`");
    }
}

/// `systemd-analyze verify`, when installed, finds nothing to say about the unit.
#[test]
fn the_systemd_unit_verifies() {
    let unit = std::fs::read_to_string(root().join("deploy/systemd/salespulse.service")).expect("the unit");
    assert!(unit.contains("ExecStart=/usr/local/bin/salespulse run --config"), "{unit}");
    assert!(
        unit.contains("DynamicUser=yes") && unit.contains("TimeoutStopSec="),
        "non-root, time for the final snapshot"
    );
    // Verify a copy that runs the built binary (verify checks that ExecStart exists).
    let dir = std::env::temp_dir().join(salespulse_e2e::unique("systemd"));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let copy = dir.join("salespulse.service");
    std::fs::write(&copy, unit.replace("/usr/local/bin/salespulse", &binary().display().to_string())).expect("copy");
    let Ok(out) = Command::new("systemd-analyze").arg("verify").arg(&copy).output() else {
        eprintln!("systemd-analyze not found: skipping");
        return;
    };
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success() && said.trim().is_empty(), "{said}");
}
