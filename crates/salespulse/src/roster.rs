//! The roster file: `rep_id,team_id,active,quota_carrying`, one rep per line.

use std::path::Path;

use anyhow::{Context, bail};
use salespulse_engine::{Reference, RepInfo};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Row {
    rep_id: String,
    team_id: String,
    /// Empty or absent: true.
    #[serde(default)]
    active: Option<bool>,
    /// Empty or absent: true.
    #[serde(default)]
    quota_carrying: Option<bool>,
}

/// Reads the roster; every bad line is reported, and nothing is loaded if any is bad.
pub fn read(path: &Path) -> anyhow::Result<Vec<(String, RepInfo)>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .from_path(path)
        .with_context(|| format!("cannot read roster file {}", path.display()))?;
    let (mut reps, mut errors) = (Vec::new(), Vec::new());
    for (i, row) in reader.deserialize::<Row>().enumerate() {
        match row {
            Ok(r) if r.rep_id.is_empty() || r.team_id.is_empty() => {
                errors.push(format!("line {}: rep_id and team_id must not be empty", i + 2))
            }
            Ok(r) => {
                let info = RepInfo {
                    team: r.team_id,
                    active: r.active.unwrap_or(true),
                    quota_carrying: r.quota_carrying.unwrap_or(true),
                };
                reps.push((r.rep_id, info))
            }
            Err(e) => errors.push(e.to_string()),
        }
    }
    if !errors.is_empty() {
        bail!("roster file {} has {} bad line(s):\n  {}", path.display(), errors.len(), errors.join("\n  "));
    }
    Ok(reps)
}

/// Loads the roster into the reference table; returns the number of reps.
pub fn load(path: &Path, reference: &mut Reference) -> anyhow::Result<usize> {
    let reps = read(path)?;
    let n = reps.len();
    for (rep, info) in reps {
        reference.set_rep(&rep, info);
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rows_with_defaults_and_reports_every_bad_line() {
        let dir = std::env::temp_dir().join(format!("salespulse-roster-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = dir.join("good.csv");
        std::fs::write(&good, "rep_id,team_id,active,quota_carrying\n# a comment\nana, emea ,true,false\nben,na,,\n")
            .unwrap();
        let reps = read(&good).unwrap();
        assert_eq!(reps.len(), 2);
        assert_eq!(reps[0].1, RepInfo { team: "emea".into(), active: true, quota_carrying: false });
        assert!(reps[1].1.active && reps[1].1.quota_carrying);
        let bad = dir.join("bad.csv");
        std::fs::write(&bad, "rep_id,team_id,active\nana,emea,maybe\n,na,true\nben,na,true\n").unwrap();
        let err = read(&bad).unwrap_err().to_string();
        assert!(err.contains("2 bad line(s)"), "{err}");
        std::fs::remove_dir_all(dir).ok();
    }
}
