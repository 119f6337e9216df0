//! Fuzz bodies, shared by `cargo fuzz` targets, property tests and the corpus replay test.

use std::borrow::Cow;
use std::format;
use std::string::String;
use std::vec::Vec;

use crate::xml::{Config, Event, Reader};

/// Events of our tokenizer in a normalised text form (repairs excluded), or the error.
pub fn our_events(src: &str, config: Config) -> Result<Vec<String>, String> {
    let mut r = Reader::new(src, config);
    let mut out: Vec<String> = Vec::new();
    let mut text = String::new();
    loop {
        let ev = match r.next_event() {
            Ok(Some(ev)) => ev,
            Ok(None) => break,
            Err(e) => return Err(format!("{e}")),
        };
        match ev {
            Event::Text(t) => {
                text.push_str(&t.unescape());
                continue;
            }
            Event::Repair(_) => continue,
            _ => {}
        }
        flush(&mut text, &mut out);
        out.push(match ev {
            Event::Start(t) => {
                let attrs: String = t
                    .attributes()
                    .map(|a| format!(" {}={:?}", a.name, a.value()))
                    .collect();
                format!("<{}{attrs}>", t.name())
            }
            Event::Empty(t) => {
                let attrs: String = t
                    .attributes()
                    .map(|a| format!(" {}={:?}", a.name, a.value()))
                    .collect();
                format!("<{}{attrs}/>", t.name())
            }
            Event::End(n) => format!("</{n}>"),
            Event::CData(c) => format!("C{c:?}"),
            Event::Comment(c) => format!("!{c:?}"),
            Event::Pi(t, c) => format!("?{t} {:?}", c.trim_end()),
            Event::Declaration(_) => "?xml".into(),
            Event::Text(_) | Event::Repair(_) => continue,
        });
    }
    flush(&mut text, &mut out);
    Ok(out)
}

fn flush(text: &mut String, out: &mut Vec<String>) {
    if !text.is_empty() {
        out.push(format!("T{text:?}"));
        text.clear();
    }
}

fn attr_normalise(raw: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(raw.len());
    let mut i = 0;
    while let Some(&c) = raw.get(i) {
        match c {
            b'\r' if raw.get(i + 1) == Some(&b'\n') => {}
            b'\t' | b'\n' | b'\r' => v.push(b' '),
            _ => v.push(c),
        }
        i += 1;
    }
    v
}

/// The same normalised events from quick-xml (the reference), or its error.
pub fn quick_xml_events(src: &str) -> Result<Vec<String>, String> {
    use quick_xml::events::Event as Q;
    let mut r = quick_xml::Reader::from_str(src);
    r.config_mut().check_comments = true;
    let mut out = Vec::new();
    let mut text = String::new();
    let attrs = |t: &quick_xml::events::BytesStart<'_>| -> Result<String, String> {
        let mut s = String::new();
        for a in t.attributes().with_checks(true) {
            let a = a.map_err(|e| format!("{e}"))?;
            let raw = attr_normalise(&a.value);
            let raw = std::str::from_utf8(&raw).map_err(|e| format!("{e}"))?;
            let v = quick_xml::escape::unescape(raw).map_err(|e| format!("{e}"))?;
            let name = std::str::from_utf8(a.key.as_ref()).map_err(|e| format!("{e}"))?;
            s.push_str(&format!(" {name}={v:?}"));
        }
        Ok(s)
    };
    loop {
        let ev = r.read_event().map_err(|e| format!("{e}"))?;
        match &ev {
            Q::Text(t) => {
                text.push_str(&t.decode().map_err(|e| format!("{e}"))?);
                continue;
            }
            Q::GeneralRef(g) => {
                let ch = if let Some(c) = g.resolve_char_ref().map_err(|e| format!("{e}"))? {
                    Cow::Owned(String::from(c))
                } else {
                    let name = g.decode().map_err(|e| format!("{e}"))?;
                    let v = quick_xml::escape::resolve_predefined_entity(&name)
                        .ok_or_else(|| format!("unknown entity {name}"))?;
                    Cow::Borrowed(v)
                };
                text.push_str(&ch);
                continue;
            }
            _ => {}
        }
        flush(&mut text, &mut out);
        let utf8 = |b: &[u8]| {
            std::str::from_utf8(b)
                .map(String::from)
                .map_err(|e| format!("{e}"))
        };
        out.push(match ev {
            Q::Start(t) => format!("<{}{}>", utf8(t.name().as_ref())?, attrs(&t)?),
            Q::Empty(t) => format!("<{}{}/>", utf8(t.name().as_ref())?, attrs(&t)?),
            Q::End(t) => format!("</{}>", utf8(t.name().as_ref())?),
            Q::CData(c) => format!("C{:?}", utf8(&c)?),
            Q::Comment(c) => format!("!{:?}", utf8(&c)?),
            Q::PI(p) => format!("?{} {:?}", utf8(p.target())?, utf8(p.content())?.trim()),
            Q::Decl(_) => "?xml".into(),
            Q::DocType(_) => return Err("doctype".into()),
            Q::Eof => break,
            Q::Text(_) | Q::GeneralRef(_) => continue,
        });
    }
    flush(&mut text, &mut out);
    Ok(out)
}

/// Fuzz body `cnf_xml`: both modes never panic; lenient never fails where strict succeeds and
/// then reads the same events; on input strict mode accepts, quick-xml reads the same events.
pub fn xml(data: &[u8]) {
    let Ok(src) = core::str::from_utf8(data) else {
        let _ = Reader::from_bytes(data, Config::strict());
        return;
    };
    let lenient = our_events(src, Config::lenient());
    let strict = our_events(src, Config::strict());
    if let Ok(ours) = &strict {
        assert_eq!(
            lenient.as_ref().ok(),
            Some(ours),
            "lenient differs from strict on well-formed input"
        );
        // quick-xml reports a DOCTYPE-free, BOM-free document the same way.
        if !src.starts_with('\u{feff}') {
            match quick_xml_events(src) {
                Ok(theirs) => assert_eq!(ours, &theirs, "differs from quick-xml"),
                Err(e) => panic!("strict accepted what quick-xml rejects: {e}"),
            }
        }
    }
}

/// The typed model on any input: lenient parse, write, parse again: the same model, and the
/// writer is deterministic.
pub fn model(src: &str) {
    use crate::model::Document;
    use crate::tree::Style;
    let Ok(doc) = Document::parse(src, Config::lenient()) else {
        return;
    };
    let _ = crate::validate::validate(
        &doc,
        Some("SEPabcdefabcdef.cnf.xml"),
        Some(crate::validate::Model(7962)),
    );
    let out = doc.to_xml(Style::default());
    let again = match Document::parse(&out, Config::lenient()) {
        Ok(d) => d,
        Err(e) => panic!("generated output unreadable: {e}\n{out}"),
    };
    assert_eq!(
        again.config, doc.config,
        "model changed through write/parse\n{out}"
    );
    assert_eq!(
        again.to_xml(Style::default()),
        out,
        "writer not deterministic"
    );
}

/// Fuzz body `cnf_xml`: tokenizer in both modes plus the quick-xml differential ([`xml`]), the
/// generic tree and the typed model ([`model`]).
pub fn xml_all(data: &[u8]) {
    xml(data);
    if let Ok(src) = core::str::from_utf8(data) {
        let _ = crate::tree::Tree::parse(src, Config::lenient());
        model(src);
    }
}

/// Fuzz body `cnf_text`: SIP text configs, `OS79XX.TXT` and `RINGLIST.DAT` never panic, and
/// an unmodified file is written back byte for byte (line ends normalised).
pub fn text(data: &[u8]) {
    use crate::text::{ring_list_dat, Os79xx, SipCnf};
    let Ok(src) = core::str::from_utf8(data) else {
        return;
    };
    let cnf = SipCnf::parse(src);
    let mut out = String::new();
    cnf.write(&mut out).expect("String never fails");
    let norm = |s: &str| s.replace("\r\n", "\n").replace('\r', "\n");
    assert_eq!(norm(&out), norm(src), "SIP text round trip");
    let again = SipCnf::parse(&out);
    assert_eq!(again.settings().count(), cnf.settings().count());
    let _ = cnf.image_version();
    let _ = cnf.proxies();
    let o = Os79xx::parse(src);
    let mut out = String::new();
    o.write(&mut out).expect("String never fails");
    assert_eq!(Os79xx::parse(&out).image(), o.image());
    let _ = ring_list_dat(src).count();
}

/// Fuzz body `cnf_load`: load names parse and compare consistently (antisymmetric, equal to
/// itself), the load decision never panics, `.loads` manifests and request names are read.
pub fn load(data: &[u8]) {
    use crate::load::{compare, decide, DefaultFileLoads, LoadOrder, LoadSource, LoadsManifest};
    let m = LoadsManifest::parse(data);
    let _ = m.files().count();
    let _ = m.value("LA_VERSION");
    let Ok(src) = core::str::from_utf8(data) else {
        return;
    };
    let _ = crate::names::RequestedFile::parse(src);
    let _ = crate::names::DeviceName::parse(src);
    let (a, b) = src.split_once('\n').unwrap_or((src, ""));
    let ab = compare(a, b);
    let ba = compare(b, a);
    let expected = match ab {
        LoadOrder::Less => LoadOrder::Greater,
        LoadOrder::Greater => LoadOrder::Less,
        o => o,
    };
    assert_eq!(ba, expected, "compare({a:?}, {b:?}) not antisymmetric");
    if !crate::load::normalize(a).is_empty() {
        assert_eq!(compare(a, a), LoadOrder::Equal);
    }
    for source in [LoadSource::DeviceFile, LoadSource::DefaultFile] {
        for policy in [DefaultFileLoads::RefuseOlder, DefaultFileLoads::FollowAny] {
            let _ = decide(a, Some(b), source, policy);
        }
    }
}
