//! The text of a `.docx`: its paragraphs in order, table cells row by row (a Vietnamese
//! document's header is a two-column table: issuer and number on the left, motto, place and
//! date on the right), one line each. Read with `docx-rs`, from bytes.

use docx_rs::{DocumentChild, Paragraph, Table, TableCellContent, TableChild, TableRowChild};

use crate::ImportError;

/// The document's text, a line per paragraph.
pub fn text(bytes: &[u8]) -> Result<String, ImportError> {
    let docx = docx_rs::read_docx(bytes).map_err(|e| ImportError::Docx(e.to_string()))?;
    let mut out = String::new();
    for child in &docx.document.children {
        match child {
            DocumentChild::Paragraph(p) => paragraph(&mut out, p),
            DocumentChild::Table(t) => table(&mut out, t, 0),
            _ => {}
        }
    }
    Ok(out)
}

fn paragraph(out: &mut String, p: &Paragraph) {
    out.push_str(&p.raw_text());
    out.push('\n');
}

fn table(out: &mut String, t: &Table, depth: usize) {
    if depth > 8 {
        return;
    }
    for TableChild::TableRow(row) in &t.rows {
        for TableRowChild::TableCell(cell) in &row.cells {
            for content in &cell.children {
                match content {
                    TableCellContent::Paragraph(p) => paragraph(out, p),
                    TableCellContent::Table(inner) => table(out, inner, depth + 1),
                    _ => {}
                }
            }
            out.push('\n');
        }
    }
}
