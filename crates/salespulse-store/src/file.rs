//! `file://DIR`: one file per partition, replaced atomically.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::StoreError;
use crate::snapshot_store::{SnapshotKey, SnapshotStore};

/// Snapshots under `DIR/GROUP/TOPIC/PARTITION.snap`.
#[derive(Debug, Clone)]
pub struct FileStore {
    dir: PathBuf,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io { path: path.display().to_string(), source }
}

fn safe(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '_' }).collect()
}

impl FileStore {
    /// A store in `dir`, created if missing.
    pub fn new(dir: impl Into<PathBuf>) -> Result<FileStore, StoreError> {
        let dir = dir.into();
        fs::create_dir_all(&dir).map_err(io(&dir))?;
        Ok(FileStore { dir })
    }

    /// The file of a key.
    pub fn path(&self, key: &SnapshotKey) -> PathBuf {
        self.dir.join(safe(&key.group)).join(safe(&key.topic)).join(format!("{}.snap", key.partition))
    }
}

/// fsync of a directory, so a rename in it is durable.
fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(io(dir))
}

impl SnapshotStore for FileStore {
    fn load(&self, keys: &[SnapshotKey]) -> Result<BTreeMap<SnapshotKey, Vec<u8>>, StoreError> {
        let mut out = BTreeMap::new();
        for key in keys {
            let path = self.path(key);
            match fs::read(&path) {
                Ok(bytes) => {
                    out.insert(key.clone(), bytes);
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io(&path)(e)),
            }
        }
        Ok(out)
    }

    fn save(&self, key: &SnapshotKey, bytes: &[u8]) -> Result<(), StoreError> {
        let path = self.path(key);
        let dir = path.parent().unwrap_or(&self.dir).to_path_buf();
        fs::create_dir_all(&dir).map_err(io(&dir))?;
        let tmp = path.with_extension(format!("snap.tmp-{}", std::process::id()));
        let mut f = OpenOptions::new().write(true).create(true).truncate(true).open(&tmp).map_err(io(&tmp))?;
        f.write_all(bytes).and_then(|()| f.sync_all()).map_err(io(&tmp))?;
        drop(f);
        fs::rename(&tmp, &path).map_err(io(&path))?;
        sync_dir(&dir)
    }

    fn quarantine(&self, key: &SnapshotKey, why: &str) -> Result<(), StoreError> {
        let path = self.path(key);
        let stamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_secs();
        let aside = path.with_extension(format!("snap.{}-{stamp}", safe(why)));
        match fs::rename(&path, &aside) {
            Ok(()) => sync_dir(path.parent().unwrap_or(&self.dir)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io(&path)(e)),
        }
    }
}
