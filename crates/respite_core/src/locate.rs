//! Finds where a field lives in a RON source, so a validation error about
//! `vegetation[2].count` can name its line and column, just as a syntax error does.
//!
//! A small scanner, not a parser: it walks brackets, keys and commas, skipping strings and
//! comments, and keeps the path of the value it is in. It only runs on files that already
//! parsed, so it need not handle malformed input well; it never panics on any input.

use std::fmt;

/// One step of a path into a spec: a named field or a position in a list or tuple.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seg {
    Field(&'static str),
    Index(usize),
}

/// A path into a spec, printed the way a person reads it: `vegetation[2].count`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldPath(pub Vec<Seg>);

impl FieldPath {
    pub fn field(&self, name: &'static str) -> Self {
        let mut p = self.clone();
        p.0.push(Seg::Field(name));
        p
    }
    pub fn index(&self, i: usize) -> Self {
        let mut p = self.clone();
        p.0.push(Seg::Index(i));
        p
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.0.iter().enumerate() {
            match s {
                Seg::Field(name) if i == 0 => write!(f, "{name}")?,
                Seg::Field(name) => write!(f, ".{name}")?,
                Seg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

#[derive(Debug)]
enum Frame {
    /// `( … )`: a struct (has keys) or a tuple (counts positions).
    Paren { key: Option<String>, index: usize },
    /// `[ … ]` or `{ … }`: counts positions.
    List { index: usize },
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SegRef<'a> {
    Field(&'a str),
    Index(usize),
}

fn seg_matches(want: &Seg, got: SegRef<'_>) -> bool {
    match (want, got) {
        (Seg::Field(a), SegRef::Field(b)) => *a == b,
        (Seg::Index(a), SegRef::Index(b)) => *a == b,
        _ => false,
    }
}

fn frame_seg(frame: &Frame) -> SegRef<'_> {
    match frame {
        Frame::Paren { key: Some(k), .. } => SegRef::Field(k),
        Frame::Paren { key: None, index } | Frame::List { index } => SegRef::Index(*index),
    }
}

/// How many leading segments of `want` the current frames match.
fn matched_len(frames: &[Frame], want: &[Seg]) -> usize {
    // frames[0] is the outermost struct itself; its own segments start the path.
    frames
        .iter()
        .zip(want.iter())
        .take_while(|(f, w)| seg_matches(w, frame_seg(f)))
        .count()
}

struct Cursor<'a> {
    chars: Vec<char>,
    i: usize,
    line: usize,
    col: usize,
    _src: &'a str,
}

impl<'a> Cursor<'a> {
    fn new(src: &'a str) -> Self {
        Self {
            chars: src.chars().collect(),
            i: 0,
            line: 1,
            col: 1,
            _src: src,
        }
    }
    fn peek(&self) -> Option<char> {
        self.chars.get(self.i).copied()
    }
    fn peek_at(&self, k: usize) -> Option<char> {
        self.chars.get(self.i + k).copied()
    }
    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.i += 1;
        if c == '\n' {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
        Some(c)
    }
    /// Skips white space and comments.
    fn skip_trivia(&mut self) {
        loop {
            match (self.peek(), self.peek_at(1)) {
                (Some(c), _) if c.is_whitespace() => {
                    self.bump();
                }
                (Some('/'), Some('/')) => {
                    while let Some(c) = self.peek() {
                        if c == '\n' {
                            break;
                        }
                        self.bump();
                    }
                }
                (Some('/'), Some('*')) => {
                    self.bump();
                    self.bump();
                    while self.peek().is_some() {
                        if self.peek() == Some('*') && self.peek_at(1) == Some('/') {
                            self.bump();
                            self.bump();
                            break;
                        }
                        self.bump();
                    }
                }
                _ => return,
            }
        }
    }
    fn skip_string(&mut self) {
        self.bump(); // opening quote
        while let Some(c) = self.bump() {
            match c {
                '\\' => {
                    self.bump();
                }
                '"' => return,
                _ => {}
            }
        }
    }
}

/// The 1-based (line, column) of the value at `path`, or of the nearest enclosing value
/// that exists in the file (a field left out and filled by its default has no place of its
/// own). The empty path is the start of the file's content.
pub fn locate(src: &str, path: &FieldPath) -> (usize, usize) {
    let want = &path.0;
    let mut cur = Cursor::new(src);
    let mut frames: Vec<Frame> = Vec::new();
    cur.skip_trivia();
    let mut best = (cur.line, cur.col);
    let mut best_len = 0usize;

    // Records the value now starting at the cursor when it sits deeper on `want`'s path.
    let note =
        |frames: &[Frame], pos: (usize, usize), best: &mut (usize, usize), best_len: &mut usize| {
            let n = matched_len(frames, want);
            if n == frames.len() && n > *best_len {
                *best_len = n;
                *best = pos;
            }
        };

    while let Some(c) = {
        cur.skip_trivia();
        cur.peek()
    } {
        let pos = (cur.line, cur.col);
        match c {
            '(' => {
                note(&frames, pos, &mut best, &mut best_len);
                cur.bump();
                frames.push(Frame::Paren {
                    key: None,
                    index: 0,
                });
            }
            '[' | '{' => {
                note(&frames, pos, &mut best, &mut best_len);
                cur.bump();
                frames.push(Frame::List { index: 0 });
            }
            ')' | ']' | '}' => {
                cur.bump();
                frames.pop();
            }
            ',' => {
                cur.bump();
                match frames.last_mut() {
                    Some(Frame::Paren { key, index }) => {
                        *key = None;
                        *index += 1;
                    }
                    Some(Frame::List { index }) => *index += 1,
                    None => {}
                }
            }
            '"' => {
                note(&frames, pos, &mut best, &mut best_len);
                cur.skip_string();
            }
            c if c.is_alphabetic() || c == '_' => {
                let mut ident = String::new();
                while let Some(c) = cur.peek() {
                    if c.is_alphanumeric() || c == '_' {
                        ident.push(c);
                        cur.bump();
                    } else {
                        break;
                    }
                }
                cur.skip_trivia();
                let is_key = cur.peek() == Some(':') && cur.peek_at(1) != Some(':');
                if is_key {
                    cur.bump();
                    if let Some(Frame::Paren { key, .. }) = frames.last_mut() {
                        *key = Some(ident);
                    }
                    note(&frames, pos, &mut best, &mut best_len);
                } else if cur.peek() != Some('(') {
                    // A bare value (`true`, `Conifer`); a name before `(` is noted at the `(`.
                    note(&frames, pos, &mut best, &mut best_len);
                }
            }
            _ => {
                note(&frames, pos, &mut best, &mut best_len);
                // A number or other scalar: consume up to the next structural character.
                while let Some(c) = cur.peek() {
                    if matches!(c, ',' | ')' | ']' | '}' | '(' | '[' | '{' | '"')
                        || c.is_whitespace()
                    {
                        break;
                    }
                    cur.bump();
                }
            }
        }
    }
    best
}

/// Like [`locate`], but at the value rather than its key: for `scene: "moon"` the place
/// of `"moon"`, where `locate` gives that of `scene`.
pub fn locate_value(src: &str, path: &FieldPath) -> (usize, usize) {
    let (line, col) = locate(src, path);
    let mut cur = Cursor::new(src);
    while (cur.line, cur.col) < (line, col) && cur.bump().is_some() {}
    let start = cur.i;
    while cur.peek().is_some_and(|c| c.is_alphanumeric() || c == '_') {
        cur.bump();
    }
    if cur.i == start {
        return (line, col);
    }
    cur.skip_trivia();
    if cur.peek() == Some(':') && cur.peek_at(1) != Some(':') {
        cur.bump();
        cur.skip_trivia();
        if cur.peek().is_some() {
            return (cur.line, cur.col);
        }
    }
    (line, col)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(super) const SRC: &str = r#"// a scene
(
    description: "a (tricky), string: with [brackets]",
    viewpoint: (eye_height: 1.2, fov_deg: 100.0),
    vegetation: [
        (kind: Conifer, count: 10, height_m: (6.0, 14.0)),
        /* second */ (kind: Rock, count: 3),
    ],
)
"#;

    fn p(segs: &[Seg]) -> FieldPath {
        FieldPath(segs.to_vec())
    }

    #[test]
    fn finds_nested_fields_list_items_and_tuple_members() {
        use Seg::*;
        assert_eq!(
            locate(SRC, &p(&[Field("viewpoint"), Field("fov_deg")])),
            (4, 34)
        );
        assert_eq!(
            locate(SRC, &p(&[Field("vegetation"), Index(1), Field("count")])),
            (7, 35)
        );
        assert_eq!(locate(SRC, &p(&[Field("vegetation"), Index(1)])), (7, 22));
        assert_eq!(
            locate(
                SRC,
                &p(&[Field("vegetation"), Index(0), Field("height_m"), Index(1)])
            ),
            (6, 52)
        );
    }

    #[test]
    fn finds_the_value_after_its_key() {
        use Seg::*;
        assert_eq!(
            locate_value(SRC, &p(&[Field("viewpoint"), Field("fov_deg")])),
            (4, 43)
        );
        // A list item has no key: the same place as `locate`'s.
        assert_eq!(
            locate_value(SRC, &p(&[Field("vegetation"), Index(1)])),
            (7, 22)
        );
    }

    #[test]
    fn falls_back_to_the_nearest_enclosing_value() {
        use Seg::*;
        // `seed` is not written: point at the whole file.
        assert_eq!(locate(SRC, &p(&[Field("seed")])), (2, 1));
        // `scale` is not written in item 0: point at item 0.
        assert_eq!(
            locate(SRC, &p(&[Field("vegetation"), Index(0), Field("scale")])),
            (6, 9)
        );
    }

    #[test]
    fn prints_paths_as_people_read_them() {
        use Seg::*;
        assert_eq!(
            p(&[Field("vegetation"), Index(2), Field("count")]).to_string(),
            "vegetation[2].count"
        );
    }

    #[test]
    fn never_panics_on_garbage() {
        for s in [
            "",
            "(",
            ")))",
            "\"unterminated",
            "/* open",
            "a: : :",
            "[,,,]",
        ] {
            let _ = locate(s, &p(&[Seg::Field("x"), Seg::Index(3)]));
        }
    }
}
