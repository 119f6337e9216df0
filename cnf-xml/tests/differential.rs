//! Our tokenizer against quick-xml on every well-formed real file.
use dialtone_cnf_xml::fuzzing;
use dialtone_cnf_xml::xml::Config;

fn files() -> Vec<std::path::PathBuf> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata");
    let mut out = Vec::new();
    for dir in ["cnf", "samples"] {
        let mut stack = vec![std::path::Path::new(root).join(dir)];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.to_string_lossy().contains(".xml")
                    || p.extension().is_some_and(|e| e == "XML")
                {
                    out.push(p);
                }
            }
        }
    }
    out.sort();
    out
}

#[test]
fn same_events_as_quick_xml_on_real_files() {
    let mut compared = 0;
    for p in files() {
        let src = std::fs::read_to_string(&p).unwrap();
        let ours = fuzzing::our_events(&src, Config::lenient()).unwrap();
        let theirs = fuzzing::quick_xml_events(&src);
        // Where quick-xml reads the file (it does not check namespace prefixes), the lenient
        // reading is the same event sequence.
        if let Ok(theirs) = theirs {
            assert_eq!(ours, theirs, "{}", p.display());
            compared += 1;
        }
        fuzzing::xml(src.as_bytes());
    }
    assert!(compared >= 10, "compared only {compared}");
}
