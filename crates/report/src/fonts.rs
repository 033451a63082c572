//! Fonts for the PDF: DejaVu Sans, embedded in the program, for most of the world's scripts,
//! and the machine's own fonts as a fallback for what it lacks (emoji, CJK), so that log
//! text in any language is drawn, never dropped. Text is cut into runs of one direction
//! (Unicode bidi) and one font.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use krilla::text::Font;
use usvg::fontdb::{Database, ID};

static REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

/// One font: its bytes for krilla, and its character map and advances for layout.
struct Face {
    font: Font,
    parsed: ttf_parser::Face<'static>,
}

impl Face {
    fn new(data: &'static [u8], index: u32) -> Option<Face> {
        Some(Face {
            font: Font::new(data.to_vec().into(), index)?,
            parsed: ttf_parser::Face::parse(data, index).ok()?,
        })
    }

    fn has(&self, c: char) -> bool {
        self.parsed.glyph_index(c).is_some()
    }

    fn advance(&self, c: char, size: f32) -> f32 {
        let units = f32::from(self.parsed.units_per_em());
        self.parsed
            .glyph_index(c)
            .and_then(|g| self.parsed.glyph_hor_advance(g))
            .map_or(size * 0.5, |a| f32::from(a) / units * size)
    }
}

/// A piece of a line drawn with one font in one direction.
pub(crate) struct Run<'a> {
    pub(crate) text: String,
    pub(crate) font: &'a Font,
    pub(crate) right_to_left: bool,
    pub(crate) width: f32,
}

/// The fonts of a report and the system fonts it may fall back on.
pub(crate) struct Fonts {
    regular: Face,
    bold: Face,
    /// The system fonts and DejaVu, for the fallback and for the charts' SVG text.
    database: Arc<Database>,
    /// Fallback faces found so far, by the character that needed them.
    fallback: Mutex<HashMap<char, Option<usize>>>,
    fallback_faces: Mutex<Vec<&'static Face>>,
}

/// The font database is read once per process: scanning the system's fonts takes a moment.
fn database() -> Arc<Database> {
    static DATABASE: OnceLock<Arc<Database>> = OnceLock::new();
    DATABASE
        .get_or_init(|| {
            let mut database = Database::new();
            database.load_font_data(REGULAR.to_vec());
            database.load_font_data(BOLD.to_vec());
            database.load_system_fonts();
            // plotters writes font-family="sans-serif"; usvg drops text whose font it cannot
            // find, and its default sans-serif is Arial
            database.set_sans_serif_family("DejaVu Sans");
            Arc::new(database)
        })
        .clone()
}

/// Fallback faces, loaded once per process and kept for it (fonts are few and small).
fn load_face(database: &Database, id: ID) -> Option<&'static Face> {
    static LOADED: OnceLock<Mutex<HashMap<ID, Option<&'static Face>>>> = OnceLock::new();
    let loaded = LOADED.get_or_init(|| Mutex::new(HashMap::new()));
    let mut loaded = loaded.lock().unwrap_or_else(|e| e.into_inner());
    *loaded.entry(id).or_insert_with(|| {
        database.with_face_data(id, |data, index| {
            let data: &'static [u8] = Box::leak(data.to_vec().into_boxed_slice());
            Face::new(data, index).map(|face| &*Box::leak(Box::new(face)))
        })?
    })
}

impl Fonts {
    pub(crate) fn new() -> Fonts {
        Fonts {
            regular: Face::new(REGULAR, 0).expect("the embedded DejaVu Sans is a font"),
            bold: Face::new(BOLD, 0).expect("the embedded DejaVu Sans Bold is a font"),
            database: database(),
            fallback: Mutex::new(HashMap::new()),
            fallback_faces: Mutex::new(Vec::new()),
        }
    }

    pub(crate) fn database(&self) -> Arc<Database> {
        Arc::clone(&self.database)
    }

    /// The face to draw `c` with: the primary one if it has the glyph, else the first
    /// system font that has it, else the primary one (which draws a box).
    fn face_for(&self, c: char, bold: bool) -> &Face {
        let primary = if bold { &self.bold } else { &self.regular };
        if primary.has(c) || c.is_whitespace() {
            return primary;
        }
        let mut fallback = self.fallback.lock().unwrap_or_else(|e| e.into_inner());
        let mut faces = self
            .fallback_faces
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let slot = *fallback.entry(c).or_insert_with(|| {
            let face = self
                .database
                .faces()
                .filter_map(|info| load_face(&self.database, info.id))
                .find(|face| face.has(c))?;
            match faces.iter().position(|f| std::ptr::eq(*f, face)) {
                Some(i) => Some(i),
                None => {
                    faces.push(face);
                    Some(faces.len() - 1)
                }
            }
        });
        match slot {
            // the faces are leaked: they live as long as the process
            Some(i) => faces[i],
            None => primary,
        }
    }

    /// The width of `text` at `size` points.
    pub(crate) fn width(&self, text: &str, size: f32, bold: bool) -> f32 {
        text.chars()
            .map(|c| self.face_for(c, bold).advance(c, size))
            .sum()
    }

    /// `text` cut into runs to draw left to right: visual order of its bidi runs, then one
    /// font per run.
    pub(crate) fn runs(&self, text: &str, size: f32, bold: bool) -> Vec<Run<'_>> {
        let bidi = unicode_bidi::BidiInfo::new(text, None);
        let mut runs = Vec::new();
        for paragraph in &bidi.paragraphs {
            let (levels, visual) = bidi.visual_runs(paragraph, paragraph.range.clone());
            for range in visual {
                let right_to_left = levels[range.start].is_rtl();
                let mut current: Option<(&Face, String)> = None;
                for c in text[range].chars() {
                    let face = self.face_for(c, bold);
                    match &mut current {
                        Some((f, run)) if std::ptr::eq(*f, face) => run.push(c),
                        _ => {
                            if let Some((f, run)) = current.take() {
                                runs.push(self.run(f, run, size, right_to_left));
                            }
                            current = Some((face, c.to_string()));
                        }
                    }
                }
                if let Some((f, run)) = current {
                    runs.push(self.run(f, run, size, right_to_left));
                }
            }
        }
        runs
    }

    fn run<'a>(&self, face: &'a Face, text: String, size: f32, right_to_left: bool) -> Run<'a> {
        Run {
            width: text.chars().map(|c| face.advance(c, size)).sum(),
            text,
            font: &face.font,
            right_to_left,
        }
    }
}

/// Log text as one line of plain text: control characters (line breaks, tabs) become
/// spaces and bidi overrides are dropped, so no string can move what comes after it.
pub(crate) fn plain(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'))
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}
