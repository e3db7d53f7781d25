//! Reading printed matter back: the text of a PDF, as a person would read it.

/// The text of a PDF, by Python's `pypdf`, NFC-normalised with whitespace collapsed.
pub fn pdf_text(pdf: &[u8]) -> Option<String> {
    let has = std::process::Command::new("python3")
        .args(["-c", "import pypdf"])
        .status()
        .is_ok_and(|s| s.success());
    if !has {
        assert!(
            std::env::var("CI").is_err(),
            "pypdf is needed in CI: pip install pypdf"
        );
        eprintln!("SKIPPED: PDF text check (pip install pypdf)");
        return None;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, pdf).expect("write pdf");
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, pypdf; print('\\n'.join(p.extract_text() for p in pypdf.PdfReader(sys.argv[1]).pages))",
        ])
        .arg(&path)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    use unicode_normalization::UnicodeNormalization;
    let text: String = String::from_utf8_lossy(&out.stdout).nfc().collect();
    Some(text.split_whitespace().collect::<Vec<_>>().join(" "))
}
