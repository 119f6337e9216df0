//! Display-text label escapes (`sccp.md` §1.5).
//!
//! Display strings may embed localisable labels as two-byte escapes: 0x80 +
//! index into the "200" table, or 0x1E + index into the "36" table. The
//! phone shows the label in its own language.

/// Which label table an escape refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LabelTable {
    /// Escape byte 0x80.
    T200,
    /// Escape byte 0x1E.
    T36,
}

impl LabelTable {
    /// The escape byte.
    #[must_use]
    pub fn escape(self) -> u8 {
        match self {
            LabelTable::T200 => 0x80,
            LabelTable::T36 => 0x1e,
        }
    }
}

/// One piece of a display text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Segment<'a> {
    /// Literal bytes.
    Text(&'a [u8]),
    /// A label escape.
    Label {
        /// Table.
        table: LabelTable,
        /// Index in the table.
        index: u8,
    },
    /// An escape byte at the very end, without its index.
    Dangling(LabelTable),
}

impl Segment<'_> {
    /// The English text of a label, when known.
    #[must_use]
    pub fn label_text(&self) -> Option<&'static str> {
        match *self {
            Segment::Label { table, index } => label_text(table, index),
            _ => None,
        }
    }
}

/// Iterator over the [`Segment`]s of a display text.
#[derive(Debug, Clone)]
pub struct Segments<'a> {
    rest: &'a [u8],
}

impl<'a> Segments<'a> {
    /// Splits `text` (already cut at its first NUL).
    #[must_use]
    pub fn new(text: &'a [u8]) -> Self {
        Segments { rest: text }
    }
}

fn table_of(b: u8) -> Option<LabelTable> {
    match b {
        0x80 => Some(LabelTable::T200),
        0x1e => Some(LabelTable::T36),
        _ => None,
    }
}

impl<'a> Iterator for Segments<'a> {
    type Item = Segment<'a>;
    fn next(&mut self) -> Option<Segment<'a>> {
        let (&first, after) = self.rest.split_first()?;
        if let Some(table) = table_of(first) {
            return Some(match after.split_first() {
                Some((&index, rest)) => {
                    self.rest = rest;
                    Segment::Label { table, index }
                }
                None => {
                    self.rest = after;
                    Segment::Dangling(table)
                }
            });
        }
        let n = self
            .rest
            .iter()
            .position(|&b| table_of(b).is_some())
            .unwrap_or(self.rest.len());
        let (text, rest) = self.rest.split_at(n);
        self.rest = rest;
        Some(Segment::Text(text))
    }
}

/// English text of a label, when the index is in the table this crate knows.
#[must_use]
pub fn label_text(table: LabelTable, index: u8) -> Option<&'static str> {
    let t: &[(u8, &str)] = match table {
        LabelTable::T200 => LABELS_200,
        LabelTable::T36 => LABELS_36,
    };
    t.iter().find(|(i, _)| *i == index).map(|(_, s)| *s)
}

/// Known entries of the 0x80 ("200") table.
const LABELS_200: &[(u8, &str)] = &[(0x1f, "In Use Remote"), (0x20, "Enter Number")];

/// Known entries of the 0x1E ("36") table.
const LABELS_36: &[(u8, &str)] = &[];
