//! A small kustomize build, enough for the kustomizations of `deploy/k8s`: `resources`
//! (files and directories), `configMapGenerator` and `secretGenerator` (`files`),
//! `images` (`newName`, `newTag`) and `labels` (`pairs`). Any other key is refused, so what the test checks is
//! what kustomize would build. Generated names carry no hash suffix here.

use std::path::{Path, PathBuf};

use yaml_rust2::{Yaml, YamlLoader};

/// The keys of a kustomization this build understands.
const KNOWN: [&str; 7] =
    ["apiVersion", "kind", "resources", "configMapGenerator", "secretGenerator", "images", "labels"];

fn load(path: &Path) -> Result<Vec<Yaml>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    YamlLoader::load_from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn strings(v: &Yaml) -> Vec<&str> {
    v.as_vec().into_iter().flatten().filter_map(Yaml::as_str).collect()
}

fn hash(pairs: Vec<(&str, Yaml)>) -> Yaml {
    Yaml::Hash(pairs.into_iter().map(|(k, v)| (Yaml::String(k.to_owned()), v)).collect())
}

fn text(s: &str) -> Yaml {
    Yaml::String(s.to_owned())
}

/// A ConfigMap or Secret from a generator entry: `files` as `key=path` or `path`.
fn generated(kind: &str, entry: &Yaml, dir: &Path) -> Result<Yaml, String> {
    let name = entry["name"].as_str().ok_or(format!("{}: a {kind} generator without name", dir.display()))?;
    let mut data = Vec::new();
    for file in strings(&entry["files"]) {
        let (key, path) = file.split_once('=').unwrap_or((file.rsplit('/').next().unwrap_or(file), file));
        let content = std::fs::read_to_string(dir.join(path)).map_err(|e| format!("{}/{path}: {e}", dir.display()))?;
        data.push((key, text(&content)));
    }
    let field = if kind == "Secret" { "stringData" } else { "data" };
    Ok(hash(vec![
        ("apiVersion", text("v1")),
        ("kind", text(kind)),
        ("metadata", hash(vec![("name", text(name))])),
        (field, hash(data)),
    ]))
}

/// Sets `newName`/`newTag` of `images` on every container of a workload.
fn set_images(object: &mut Yaml, images: &Yaml) {
    let Some(containers) = object["spec"]["template"]["spec"]["containers"].as_vec().cloned() else { return };
    let mut out = Vec::new();
    for mut c in containers {
        let image = c["image"].as_str().unwrap_or_default().to_owned();
        // The tag follows the last `:` after the last `/` (a registry may have a port).
        let (name, tag) = image.rsplit_once(':').filter(|(_, t)| !t.contains('/')).unwrap_or((&image, ""));
        for i in images.as_vec().into_iter().flatten().filter(|i| i["name"].as_str() == Some(name)) {
            let name = i["newName"].as_str().unwrap_or(name);
            let tag = i["newTag"].as_str().unwrap_or(tag);
            c["image"] = text(&if tag.is_empty() { name.to_owned() } else { format!("{name}:{tag}") });
        }
        out.push(c);
    }
    object["spec"]["template"]["spec"]["containers"] = Yaml::Array(out);
}

/// `labels` entries (`pairs`, without `includeSelectors` or `includeTemplates`): added to
/// the metadata labels of every object.
fn set_labels(object: &mut Yaml, labels: &Yaml) -> Result<(), String> {
    for entry in labels.as_vec().into_iter().flatten() {
        for key in entry.as_hash().into_iter().flatten().filter_map(|(k, _)| k.as_str()) {
            if key != "pairs" {
                return Err(format!("labels: `{key}` is not understood by the test's build"));
            }
        }
        let mut meta = object["metadata"].as_hash().cloned().unwrap_or_default();
        let mut current = meta.get(&text("labels")).and_then(Yaml::as_hash).cloned().unwrap_or_default();
        for (k, v) in entry["pairs"].as_hash().into_iter().flatten() {
            current.insert(k.clone(), v.clone());
        }
        meta.insert(text("labels"), Yaml::Hash(current));
        object["metadata"] = Yaml::Hash(meta);
    }
    Ok(())
}

/// Builds the kustomization in `dir` into its list of objects.
pub fn kustomize(dir: &Path) -> Result<Vec<Yaml>, String> {
    let file: PathBuf = dir.join("kustomization.yaml");
    let k = load(&file)?.into_iter().next().ok_or(format!("{}: empty", file.display()))?;
    for key in k.as_hash().into_iter().flatten().filter_map(|(key, _)| key.as_str()) {
        if !KNOWN.contains(&key) {
            return Err(format!("{}: `{key}` is not understood by the test's build", file.display()));
        }
    }
    let mut objects = Vec::new();
    for resource in strings(&k["resources"]) {
        let path = dir.join(resource);
        if path.is_dir() {
            objects.extend(kustomize(&path)?);
        } else {
            objects.extend(load(&path)?);
        }
    }
    for (key, kind) in [("configMapGenerator", "ConfigMap"), ("secretGenerator", "Secret")] {
        for entry in k[key].as_vec().into_iter().flatten() {
            objects.push(generated(kind, entry, dir)?);
        }
    }
    for object in &mut objects {
        set_images(object, &k["images"]);
        set_labels(object, &k["labels"])?;
    }
    Ok(objects)
}
