// Included (`include!`) by the replay tests that run every capture: the shipped ones, the shared
// oracle set when present, and generated chat and bulk traffic.

/// Every capture shipped with the repository (and the shared oracle set, when present), then
/// generated chat and bulk traffic.
fn shipped_and_synth_captures() -> Vec<(String, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in ["assets/captures", "../shared/captures"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            let name = p.to_string_lossy();
            if name.ends_with(".pcap") || name.ends_with(".pcapng") {
                files.push(p);
            }
        }
    }
    files.sort();
    assert!(files.len() >= 20, "only {} captures found", files.len());
    let mut all: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|p| (p.display().to_string(), std::fs::read(p).unwrap()))
        .collect();
    for (mix, seed) in [(Mix::Chat, 3), (Mix::Bulk, 4)] {
        let mut w = CaptureWriter::new(Vec::new(), Format::Pcap).unwrap();
        let opts = SynthOptions {
            bytes: 3_000_000,
            seed,
            ws_conns: 3,
            mix,
        };
        generate(&mut w, &opts).unwrap();
        all.push((format!("synth {}", mix.name()), w.finish().unwrap()));
    }
    all
}
