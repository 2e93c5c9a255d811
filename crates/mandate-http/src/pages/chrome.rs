//! What every page shares: the language, the point asked as of, the links that keep both, and
//! how dates and names are written.

use std::collections::BTreeMap;

use mandate_model::ids::{EventId, OfficeId, PersonId, StreamId};
use mandate_model::time::{LocalDate, Timestamp, VIETNAM_OFFSET};
use mandate_node::ask::{AsOf, Point};

use super::PageError;

/// The frame of a page and the state its links carry.
#[derive(Debug, Clone)]
pub(crate) struct Chrome {
    /// English instead of Vietnamese.
    pub(crate) en: bool,
    /// The path of this page.
    pub(crate) path: String,
    /// `as_of` as the reader typed it (empty: now).
    pub(crate) as_of_text: String,
    /// The point it stands for.
    pub(crate) point: Option<Point>,
    /// What the ledger's as-of answered: the moment and the position.
    pub(crate) as_of: Option<AsOf>,
    /// The query every link carries (`as_of`, `lang`), without its `?`.
    carried: String,
    pub(crate) signed_in: bool,
    pub(crate) public: bool,
    /// The search box's text.
    pub(crate) search: String,
}

fn encode(pairs: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

impl Chrome {
    /// A frame for a page whose parameters could not be read.
    pub(crate) fn plain(path: &str) -> Self {
        Self {
            en: false,
            path: path.to_owned(),
            as_of_text: String::new(),
            point: None,
            as_of: None,
            carried: String::new(),
            signed_in: false,
            public: false,
            search: String::new(),
        }
    }

    pub(crate) fn new(path: &str, params: &BTreeMap<String, String>) -> Result<Self, PageError> {
        let en = match params.get("lang").map(String::as_str) {
            None | Some("" | "vi") => false,
            Some("en") => true,
            Some(other) => {
                return Err(PageError::bad(format!("lang={other:?}: write vi or en")));
            }
        };
        let as_of_text = params.get("as_of").map(|s| s.trim().to_owned()).unwrap_or_default();
        let point = match as_of_text.as_str() {
            "" => None,
            text => Some(match text.parse::<u64>() {
                Ok(p) => Point::Position(p),
                Err(_) => Point::Time(
                    mandate_model::typed_time::parse_typed_time(text, VIETNAM_OFFSET).map_err(
                        |e| {
                            PageError::bad(format!(
                                "as_of: {e} (viết dd/mm/yyyy HH:MM, ví dụ 28/07/2021 16:30)"
                            ))
                        },
                    )?,
                ),
            }),
        };
        let mut carried = Vec::new();
        if !as_of_text.is_empty() {
            carried.push(("as_of", as_of_text.as_str()));
        }
        if en {
            carried.push(("lang", "en"));
        }
        Ok(Self {
            en,
            path: path.to_owned(),
            carried: encode(&carried),
            as_of_text,
            point,
            as_of: None,
            signed_in: false,
            public: false,
            search: params.get("q").cloned().unwrap_or_default(),
        })
    }

    /// The Vietnamese text, or the English one.
    pub(crate) fn t<'a>(&self, vi: &'a str, en: &'a str) -> &'a str {
        if self.en { en } else { vi }
    }

    /// `path` with the query every link carries; `extra` pairs are added.
    pub(crate) fn link_with(&self, path: &str, extra: &[(&str, &str)]) -> String {
        let extra = encode(extra);
        let query: Vec<&str> =
            [self.carried.as_str(), extra.as_str()].into_iter().filter(|s| !s.is_empty()).collect();
        match query.is_empty() {
            true => path.to_owned(),
            false => format!("{path}?{}", query.join("&")),
        }
    }

    pub(crate) fn link_param(&self, path: &str, key: &str, value: &str) -> String {
        self.link_with(path, &[(key, value)])
    }

    pub(crate) fn link(&self, path: &str) -> String {
        self.link_with(path, &[])
    }

    /// `prefix` then `id`, with the query every link carries.
    pub(crate) fn at(&self, prefix: &str, id: &str) -> String {
        self.link(&format!("{prefix}{id}"))
    }

    pub(crate) fn office(&self, id: &OfficeId) -> String {
        self.link(&format!("/office/{id}"))
    }

    pub(crate) fn person(&self, id: &PersonId) -> String {
        self.link(&format!("/person/{id}"))
    }

    pub(crate) fn event(&self, id: &EventId) -> String {
        self.link(&format!("/event/{id}"))
    }

    pub(crate) fn document(&self, stream: &StreamId) -> String {
        self.link(&format!("/document/{stream}"))
    }

    /// This page in the other language.
    pub(crate) fn other_language(&self) -> String {
        let mut pairs = Vec::new();
        if !self.as_of_text.is_empty() {
            pairs.push(("as_of", self.as_of_text.as_str()));
        }
        if !self.search.is_empty() && self.path == "/search" {
            pairs.push(("q", self.search.as_str()));
        }
        if !self.en {
            pairs.push(("lang", "en"));
        }
        let q = encode(&pairs);
        if q.is_empty() { self.path.clone() } else { format!("{}?{q}", self.path) }
    }

    /// This page now (without `as_of`).
    pub(crate) fn now_link(&self) -> String {
        if self.en { format!("{}?lang=en", self.path) } else { self.path.clone() }
    }

    /// The hidden fields a GET form carries to keep the language and the point.
    pub(crate) fn hidden(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if !self.as_of_text.is_empty() {
            out.push(("as_of", self.as_of_text.clone()));
        }
        if self.en {
            out.push(("lang", "en".to_owned()));
        }
        out
    }

    /// `dd/mm/yyyy HH:MM` at UTC+7.
    pub(crate) fn when(&self, t: &Timestamp) -> String {
        t.to_human()
    }

    /// `dd/mm/yyyy`.
    pub(crate) fn day(&self, d: &LocalDate) -> String {
        d.to_human()
    }

    /// `dd/mm/yyyy` of an instant, at UTC+7.
    pub(crate) fn date_of(&self, t: &Timestamp) -> String {
        t.date_at(VIETNAM_OFFSET).to_human()
    }

    /// The banner's moment.
    pub(crate) fn as_of_when(&self) -> String {
        self.as_of.map(|a| a.now.to_human()).unwrap_or_default()
    }

    pub(crate) fn as_of_position(&self) -> u64 {
        self.as_of.map_or(0, |a| a.position)
    }

    pub(crate) fn as_of_beyond(&self) -> bool {
        self.as_of.is_some_and(|a| a.beyond)
    }

    /// The name of a role, as people say it.
    pub(crate) fn role(&self, role: &str) -> String {
        let (vi, en) = match role {
            "head" => ("Người đứng đầu", "Head"),
            "standing_deputy" => ("Phó Bí thư Thường trực", "Standing deputy"),
            "deputy" => ("Cấp phó", "Deputy"),
            "standing_board_member" => ("Ủy viên Ban Thường vụ", "Standing Board member"),
            "acting_head" => ("Quyền người đứng đầu (Q.)", "Acting head"),
            "member" => ("Thành viên", "Member"),
            "system" => ("Tiến trình hệ thống", "System process"),
            "lead" => ("Chủ trì", "Lead"),
            "coordinate" => ("Phối hợp", "Coordinate"),
            other => (other, other),
        };
        self.t(vi, en).to_owned()
    }

    /// How an obligation recurs, as people say it.
    pub(crate) fn obligation(&self, o: &str) -> String {
        let (vi, en) = match o {
            "deadline" => ("Có thời hạn", "Deadline"),
            "daily" => ("Báo cáo hằng ngày", "Daily report"),
            "daily, no report" => ("Hằng ngày (không báo cáo)", "Daily, no report"),
            "standing" => ("Thường xuyên", "Standing"),
            other => (other, other),
        };
        self.t(vi, en).to_owned()
    }
}
