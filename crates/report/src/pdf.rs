//! The report as a PDF (A4): laid out first into pages of drawing operations, so that every
//! footer can say "page N of M", then drawn with krilla. Charts are the same SVG as in the
//! app, drawn through usvg with the report's fonts.

use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect, Size};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, FillRule, Stroke};
use krilla::surface::Surface;
use krilla::text::TextDirection;
use krilla::Document as PdfDocument;
use krilla_svg::{SurfaceExt, SvgSettings};

use ceiling_engine::Severity;

use crate::charts::Chart;
use crate::document::{severity_name, Block, Document, FindingBlock, Table};
use crate::error::ReportError;
use crate::fonts::{plain, Fonts};

const PAGE_WIDTH: f32 = 595.28;
const PAGE_HEIGHT: f32 = 841.89;
const LEFT: f32 = 50.0;
const RIGHT: f32 = PAGE_WIDTH - 50.0;
const TOP: f32 = 56.0;
const BOTTOM: f32 = PAGE_HEIGHT - 64.0;
const WIDTH: f32 = RIGHT - LEFT;

type Colour = (u8, u8, u8);
const TEXT: Colour = (0x20, 0x24, 0x2b);
const MUTED: Colour = (0x5f, 0x66, 0x70);
const LINK: Colour = (0x1f, 0x4e, 0x99);
const RULE: Colour = (0xc8, 0xcd, 0xd3);
const ZEBRA: Colour = (0xf3, 0xf5, 0xf7);

fn severity_colour(severity: Severity) -> Colour {
    match severity {
        Severity::Critical => (0xb7, 0x1c, 0x1c),
        Severity::High => (0xd8, 0x5a, 0x14),
        Severity::Elevated => (0xb8, 0x86, 0x0b),
        Severity::Low => (0x45, 0x6b, 0x8e),
        Severity::Info => (0x70, 0x78, 0x80),
    }
}

/// How a piece of text looks.
#[derive(Clone, Copy)]
struct Style {
    size: f32,
    bold: bool,
    colour: Colour,
}

const fn style(size: f32, bold: bool, colour: Colour) -> Style {
    Style { size, bold, colour }
}

enum Op {
    Text {
        x: f32,
        /// The baseline.
        y: f32,
        size: f32,
        bold: bool,
        colour: Colour,
        text: String,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        colour: Colour,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        colour: Colour,
    },
    Chart {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        chart: usize,
    },
}

struct Layout<'a> {
    fonts: &'a Fonts,
    pages: Vec<Vec<Op>>,
    y: f32,
    charts: Vec<&'a Chart>,
}

impl<'a> Layout<'a> {
    fn new(fonts: &'a Fonts) -> Self {
        Layout {
            fonts,
            pages: vec![Vec::new()],
            y: TOP,
            charts: Vec::new(),
        }
    }

    fn push(&mut self, op: Op) {
        self.pages.last_mut().expect("a page").push(op);
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = TOP;
    }

    /// Room for `height` more points on this page, or a new one.
    fn ensure(&mut self, height: f32) {
        if self.y + height > BOTTOM {
            self.new_page();
        }
    }

    /// Lines of `text` no wider than `width`, broken between words (or inside a word
    /// longer than a line).
    fn wrap(&self, text: &str, size: f32, bold: bool, width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        let mut line = String::new();
        for word in text.split(' ').filter(|w| !w.is_empty()) {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if self.fonts.width(&candidate, size, bold) <= width {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            // a word wider than the line is cut where it must be
            let mut piece = String::new();
            for c in word.chars() {
                piece.push(c);
                if self.fonts.width(&piece, size, bold) > width && piece.chars().count() > 1 {
                    let last = piece.pop().expect("two characters");
                    lines.push(std::mem::take(&mut piece));
                    piece.push(last);
                }
            }
            line = piece;
        }
        if !line.is_empty() || lines.is_empty() {
            lines.push(line);
        }
        lines
    }

    /// `text` cut to `width`, with an ellipsis where it was cut.
    fn fit(&self, text: &str, size: f32, bold: bool, width: f32) -> String {
        if self.fonts.width(text, size, bold) <= width {
            return text.to_owned();
        }
        let mut cut: String = text.to_owned();
        while !cut.is_empty() && self.fonts.width(&format!("{cut}…"), size, bold) > width {
            cut.pop();
        }
        format!("{cut}…")
    }

    /// `text` wrapped to the width, `indent` points in; `marker` (a bullet, a number) hangs
    /// in the indent of the first line.
    fn paragraph(&mut self, text: &str, style: Style, indent: f32, marker: &str) {
        let text = plain(text);
        let Style { size, bold, colour } = style;
        let leading = size * 1.35;
        let lines = self.wrap(&text, size, bold, WIDTH - indent);
        for (i, line) in lines.into_iter().enumerate() {
            self.ensure(leading);
            if i == 0 && !marker.is_empty() {
                let x = LEFT + indent - self.fonts.width(marker, size, bold) - 4.0;
                self.push(Op::Text {
                    x,
                    y: self.y + size,
                    size,
                    bold,
                    colour,
                    text: marker.to_owned(),
                });
            }
            self.push(Op::Text {
                x: LEFT + indent,
                y: self.y + size,
                size,
                bold,
                colour,
                text: line,
            });
            self.y += leading;
        }
    }

    fn gap(&mut self, points: f32) {
        self.y += points;
    }

    fn heading(&mut self, text: &str) {
        // a heading never ends a page
        self.ensure(90.0);
        self.gap(10.0);
        self.paragraph(text, style(15.0, true, TEXT), 0.0, "");
        self.push(Op::Line {
            x1: LEFT,
            y1: self.y,
            x2: RIGHT,
            y2: self.y,
            colour: RULE,
        });
        self.gap(8.0);
    }

    fn cover(&mut self, document: &Document) {
        self.paragraph(&document.title, style(20.0, true, TEXT), 0.0, "");
        self.gap(10.0);
        for (label, value) in &document.facts {
            let value = self.fit(&plain(value), 10.0, false, WIDTH - 130.0);
            self.ensure(15.0);
            self.push(Op::Text {
                x: LEFT,
                y: self.y + 10.0,
                size: 10.0,
                bold: true,
                colour: MUTED,
                text: label.clone(),
            });
            self.push(Op::Text {
                x: LEFT + 130.0,
                y: self.y + 10.0,
                size: 10.0,
                bold: false,
                colour: TEXT,
                text: value,
            });
            self.y += 15.0;
        }
        self.gap(10.0);
    }

    fn finding(&mut self, finding: &FindingBlock) {
        self.ensure(70.0);
        self.gap(6.0);
        let badge = severity_name(finding.severity);
        let badge_width = self.fonts.width(&badge, 7.5, true) + 8.0;
        self.push(Op::Rect {
            x: LEFT,
            y: self.y,
            w: badge_width,
            h: 12.0,
            colour: severity_colour(finding.severity),
        });
        self.push(Op::Text {
            x: LEFT + 4.0,
            y: self.y + 9.0,
            size: 7.5,
            bold: true,
            colour: (0xff, 0xff, 0xff),
            text: badge,
        });
        let id = format!("[{}]", finding.id);
        self.push(Op::Text {
            x: LEFT + badge_width + 6.0,
            y: self.y + 9.0,
            size: 7.5,
            bold: false,
            colour: MUTED,
            text: id,
        });
        self.y += 16.0;
        self.paragraph(&finding.title, style(11.5, true, TEXT), 0.0, "");
        self.paragraph(&finding.summary, style(9.5, false, TEXT), 0.0, "");
        for line in &finding.evidence {
            self.paragraph(line, style(8.0, false, MUTED), 10.0, "");
        }
        if !finding.advice.is_empty() {
            self.gap(2.0);
            self.paragraph("What to do", style(9.5, true, TEXT), 0.0, "");
            for (i, (text, link)) in finding.advice.iter().enumerate() {
                self.paragraph(text, style(9.5, false, TEXT), 16.0, &format!("{}.", i + 1));
                if let Some(link) = link {
                    self.paragraph(link, style(7.5, false, LINK), 16.0, "");
                }
            }
        }
        if let Some(reproduce) = &finding.reproduce {
            self.gap(2.0);
            self.paragraph(
                &format!("Reproduce in CloudWatch ({})", reproduce.shows),
                style(9.5, true, TEXT),
                0.0,
                "",
            );
            for line in reproduce.query.lines() {
                self.paragraph(line, style(8.0, false, MUTED), 10.0, "");
            }
            for link in &reproduce.links {
                self.paragraph(&link.label, style(8.0, false, TEXT), 16.0, "");
                self.paragraph(&link.url, style(7.5, false, LINK), 16.0, "");
            }
            if let Some(note) = &reproduce.note {
                self.paragraph(note, style(8.0, false, MUTED), 16.0, "");
            }
        }
        self.gap(6.0);
    }

    fn table(&mut self, table: &Table) {
        let total: f32 = table.columns.iter().map(|c| c.weight).sum();
        let widths: Vec<f32> = table
            .columns
            .iter()
            .map(|c| c.weight / total * WIDTH)
            .collect();
        let row_height = 13.0;
        let size = 8.0;
        let header = |layout: &mut Layout<'_>| {
            layout.ensure(row_height * 2.0);
            let mut x = LEFT;
            for (column, width) in table.columns.iter().zip(&widths) {
                let text_width = layout.fonts.width(column.name, size, true);
                layout.push(Op::Text {
                    x: if column.numeric {
                        x + width - 4.0 - text_width
                    } else {
                        x + 4.0
                    },
                    y: layout.y + 9.5,
                    size,
                    bold: true,
                    colour: MUTED,
                    text: column.name.to_owned(),
                });
                x += width;
            }
            layout.y += row_height;
            layout.push(Op::Line {
                x1: LEFT,
                y1: layout.y,
                x2: RIGHT,
                y2: layout.y,
                colour: RULE,
            });
        };
        header(self);
        for (index, row) in table.rows.iter().enumerate() {
            if self.y + row_height > BOTTOM {
                self.new_page();
                header(self);
            }
            if index % 2 == 1 {
                self.push(Op::Rect {
                    x: LEFT,
                    y: self.y,
                    w: WIDTH,
                    h: row_height,
                    colour: ZEBRA,
                });
            }
            let mut x = LEFT;
            for ((cell, column), width) in row.iter().zip(&table.columns).zip(&widths) {
                let text = self.fit(&plain(cell), size, false, width - 8.0);
                let text_width = self.fonts.width(&text, size, false);
                self.push(Op::Text {
                    x: if column.numeric {
                        x + width - 4.0 - text_width
                    } else {
                        x + 4.0
                    },
                    y: self.y + 9.5,
                    size,
                    bold: false,
                    colour: TEXT,
                    text,
                });
                x += width;
            }
            self.y += row_height;
        }
        self.gap(8.0);
    }

    fn chart(&mut self, chart: &'a Chart) {
        let height = WIDTH * chart.height as f32 / chart.width as f32;
        // the title stays with its chart
        self.ensure(height + 24.0);
        self.paragraph(&chart.title, style(9.5, true, TEXT), 0.0, "");
        self.charts.push(chart);
        self.push(Op::Chart {
            x: LEFT,
            y: self.y,
            w: WIDTH,
            h: height,
            chart: self.charts.len() - 1,
        });
        self.y += height + 12.0;
    }
}

fn fill(colour: Colour) -> Fill {
    Fill {
        paint: rgb::Color::new(colour.0, colour.1, colour.2).into(),
        opacity: NormalizedF32::ONE,
        rule: FillRule::NonZero,
    }
}

fn draw_text(
    surface: &mut Surface<'_>,
    fonts: &Fonts,
    (x, y): (f32, f32),
    style: Style,
    text: &str,
) {
    surface.set_fill(Some(fill(style.colour)));
    let mut x = x;
    for run in fonts.runs(text, style.size, style.bold) {
        let direction = if run.right_to_left {
            TextDirection::RightToLeft
        } else {
            TextDirection::LeftToRight
        };
        surface.draw_text(
            Point::from_xy(x, y),
            run.font.clone(),
            style.size,
            &run.text,
            false,
            direction,
        );
        x += run.width;
    }
}

/// Writes the document as PDF bytes.
pub(crate) fn render(document: &Document) -> Result<Vec<u8>, ReportError> {
    let fonts = Fonts::new();
    let mut layout = Layout::new(&fonts);
    layout.cover(document);
    for block in &document.blocks {
        match block {
            Block::Heading(text) => layout.heading(text),
            Block::Paragraph(text) => {
                layout.paragraph(text, style(10.0, false, TEXT), 0.0, "");
                layout.gap(4.0);
            }
            Block::Note(text) => {
                layout.paragraph(text, style(8.5, false, MUTED), 0.0, "");
                layout.gap(2.0);
            }
            Block::Bullets(items) => {
                for item in items {
                    layout.paragraph(item, style(9.5, false, TEXT), 12.0, "•");
                    layout.gap(2.0);
                }
                layout.gap(4.0);
            }
            Block::Finding(finding) => layout.finding(finding),
            Block::Chart(chart) => layout.chart(chart),
            Block::Table(table) => layout.table(table),
        }
    }

    let options = usvg::Options {
        fontdb: fonts.database(),
        ..usvg::Options::default()
    };
    let trees: Vec<usvg::Tree> = layout
        .charts
        .iter()
        .map(|chart| {
            usvg::Tree::from_str(&chart.svg, &options).map_err(|source| ReportError::Chart {
                id: chart.id,
                source,
            })
        })
        .collect::<Result<_, _>>()?;

    let mut pdf = PdfDocument::new();
    let count = layout.pages.len();
    for (number, ops) in layout.pages.iter().enumerate() {
        let settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT)
            .ok_or_else(|| ReportError::Pdf("A4 is not a page size".to_owned()))?;
        let mut page = pdf.start_page_with(settings);
        let mut surface = page.surface();
        for op in ops {
            match op {
                Op::Text {
                    x,
                    y,
                    size,
                    bold,
                    colour,
                    text,
                } => {
                    let style = Style {
                        size: *size,
                        bold: *bold,
                        colour: *colour,
                    };
                    draw_text(&mut surface, &fonts, (*x, *y), style, text)
                }
                Op::Rect { x, y, w, h, colour } => {
                    if let Some(rect) = Rect::from_xywh(*x, *y, *w, *h) {
                        let mut path = PathBuilder::new();
                        path.push_rect(rect);
                        if let Some(path) = path.finish() {
                            surface.set_stroke(None);
                            surface.set_fill(Some(fill(*colour)));
                            surface.draw_path(&path);
                        }
                    }
                }
                Op::Line {
                    x1,
                    y1,
                    x2,
                    y2,
                    colour,
                } => {
                    let mut path = PathBuilder::new();
                    path.move_to(*x1, *y1);
                    path.line_to(*x2, *y2);
                    if let Some(path) = path.finish() {
                        surface.set_fill(None);
                        surface.set_stroke(Some(Stroke {
                            paint: rgb::Color::new(colour.0, colour.1, colour.2).into(),
                            width: 0.75,
                            ..Stroke::default()
                        }));
                        surface.draw_path(&path);
                        surface.set_stroke(None);
                    }
                }
                Op::Chart { x, y, w, h, chart } => {
                    let size = Size::from_wh(*w, *h).ok_or_else(|| {
                        ReportError::Pdf(format!("chart {} has no size", layout.charts[*chart].id))
                    })?;
                    surface.push_transform(&krilla::geom::Transform::from_translate(*x, *y));
                    surface.draw_svg(&trees[*chart], size, SvgSettings::default());
                    surface.pop();
                }
            }
        }
        let footer_y = PAGE_HEIGHT - 34.0;
        let footer = Style {
            size: 7.5,
            bold: false,
            colour: MUTED,
        };
        draw_text(
            &mut surface,
            &fonts,
            (LEFT, footer_y),
            footer,
            &document.footer,
        );
        let numbering = format!("page {} of {count}", number + 1);
        let width = fonts.width(&numbering, footer.size, false);
        draw_text(
            &mut surface,
            &fonts,
            (RIGHT - width, footer_y),
            footer,
            &numbering,
        );
        surface.finish();
        page.finish();
    }
    pdf.finish().map_err(|e| ReportError::Pdf(format!("{e:?}")))
}
