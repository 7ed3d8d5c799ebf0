//! Scenario files: a whole world in one YAML or JSON file. Their format,
//! where each value stands in the file (errors name the file, the line and
//! the field), and the tools a service uses to apply its own resources
//! (local names, pins of what AWS would generate). Names no service.

pub mod format;
pub mod mapping;
pub mod source;

use std::path::Path;

use format::Scenario;
pub use mapping::{Loaded, ScenarioError};

/// Reads a scenario file, or every `*.yaml`/`*.yml`/`*.json` of a folder in
/// name order.
pub fn read(path: &Path) -> Result<Vec<Loaded>, ScenarioError> {
    let mut files = Vec::new();
    if path.is_dir() {
        let entries = std::fs::read_dir(path)
            .map_err(|e| ScenarioError(format!("{}: {e}", path.display())))?;
        for entry in entries.flatten() {
            let p = entry.path();
            if matches!(
                p.extension().and_then(|x| x.to_str()),
                Some("yaml" | "yml" | "json")
            ) {
                files.push(p);
            }
        }
        files.sort();
    } else {
        files.push(path.to_path_buf());
    }
    files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f)
                .map_err(|e| ScenarioError(format!("{}: {e}", f.display())))?;
            parse(&f.display().to_string(), &text)
        })
        .collect()
}

/// Parses one scenario document.
pub fn parse(file: &str, text: &str) -> Result<Loaded, ScenarioError> {
    let source = source::parse(file, text).map_err(ScenarioError)?;
    let scenario: Scenario =
        serde_path_to_error::deserialize(source.value.clone()).map_err(|e| {
            let path = e.path().to_string();
            ScenarioError(format!(
                "{file}:{}: {path}: {}",
                source.line_of(&path),
                e.inner()
            ))
        })?;
    let loaded = Loaded { source, scenario };
    if loaded.scenario.version != 1 {
        return Err(loaded.error("version", "only version 1 is known"));
    }
    Ok(loaded)
}
