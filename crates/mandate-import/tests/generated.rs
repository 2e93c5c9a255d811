//! Property tests: documents generated from templates — random issuers, symbols in both
//! styles, dates, item numbering, offices written in full or abbreviated, deadline phrases and
//! signing capacities — are read back to what generated them; and no input makes the importer
//! panic.

mod common;

use mandate_import::draft::Status;
use mandate_model::event::{AssigneeRole, Capacity};
use proptest::prelude::*;

/// An issuer: its office, header lines, place, symbol style and code.
struct Issuer {
    office: &'static str,
    header: &'static str,
    place: &'static str,
    party: bool,
    code: &'static str,
    /// Offices its items may name: (id, ways of writing it).
    assignees: &'static [(&'static str, &'static [&'static str])],
}

const LONG_BIEN_OFFICES: &[(&str, &[&str])] = &[
    (
        "vn/ha-noi/long-bien/bo-de/ubnd",
        &["Ủy ban nhân dân phường Bồ Đề", "UBND phường Bồ Đề", "UBND phuong Bo De"],
    ),
    (
        "vn/ha-noi/long-bien/ngoc-thuy/ubnd",
        &["UBND phường Ngọc Thụy", "Ủy ban nhân dân phường Ngọc Thụy"],
    ),
    (
        "vn/ha-noi/long-bien/ban-tuyen-giao",
        &["Ban Tuyên giáo Quận ủy", "Ban Tuyên giáo Quận ủy Long Biên"],
    ),
    ("vn/ha-noi/long-bien/van-phong-quan-uy", &["Văn phòng Quận ủy", "VPQU"]),
    ("vn/ha-noi/long-bien/ubkt-quan-uy", &["Ủy ban Kiểm tra Quận ủy"]),
    ("vn/ha-noi/long-bien/mttq", &["UB MTTQ Quận", "Ủy ban Mặt trận Tổ quốc quận Long Biên"]),
    ("vn/ha-noi/long-bien/ubnd", &["UBND Quận", "Ủy ban nhân dân quận Long Biên"]),
];

const BAC_NINH_OFFICES: &[(&str, &[&str])] = &[
    ("vn/bac-ninh/tp-bac-ninh/ubnd", &["UBND thành phố", "Ủy ban nhân dân thành phố Bắc Ninh"]),
    ("vn/bac-ninh/tp-bac-ninh/ban-dan-van", &["Ban Dân vận Thành ủy"]),
    ("vn/bac-ninh/tp-bac-ninh/dang-uy-cong-an", &["Đảng ủy Công an thành phố"]),
    ("vn/bac-ninh/tp-bac-ninh/van-phong-thanh-uy", &["Văn phòng Thành ủy"]),
];

const ISSUERS: &[Issuer] = &[
    Issuer {
        office: "vn/ha-noi/long-bien/quan-uy",
        header: "QUẬN ỦY LONG BIÊN\n*",
        place: "Long Biên",
        party: true,
        code: "QU",
        assignees: LONG_BIEN_OFFICES,
    },
    Issuer {
        office: "vn/ha-noi/long-bien/ubnd",
        header: "ỦY BAN NHÂN DÂN\nQUẬN LONG BIÊN",
        place: "Long Biên",
        party: false,
        code: "UBND",
        assignees: LONG_BIEN_OFFICES,
    },
    Issuer {
        office: "vn/bac-ninh/tp-bac-ninh/thanh-uy",
        header: "ĐẢNG BỘ TỈNH BẮC NINH\nTHÀNH ỦY BẮC NINH\n*",
        place: "TP. Bắc Ninh",
        party: true,
        code: "TU",
        assignees: BAC_NINH_OFFICES,
    },
];

const TYPES: &[(&str, &str, &str)] =
    &[("CHỈ THỊ", "CT", "directive"), ("KẾ HOẠCH", "KH", "plan"), ("THÔNG BÁO", "TB", "notice")];

const CAPACITIES: &[(&str, Capacity)] = &[
    ("T/M BAN THƯỜNG VỤ\nBÍ THƯ", Capacity::OnBehalf),
    ("TM. BAN THƯỜNG VỤ\nPHÓ BÍ THƯ", Capacity::OnBehalf),
    ("K/T BÍ THƯ\nPHÓ BÍ THƯ", Capacity::InPlace),
    ("KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH", Capacity::InPlace),
    ("TL. BAN THƯỜNG VỤ\nCHÁNH VĂN PHÒNG", Capacity::ByOrder),
    ("TUQ. CHỦ TỊCH\nCHÁNH VĂN PHÒNG", Capacity::ByDelegation),
    ("Q. CHỦ TỊCH", Capacity::Acting),
    ("CHỦ TỊCH", Capacity::Direct),
];

const ORDINALS: [&str; 6] = ["Một", "Hai", "Ba", "Bốn", "Năm", "Sáu"];

/// A deadline phrase and what it must read as.
#[derive(Debug, Clone)]
enum Due {
    Standing,
    Before(u8, u8, i32),
    Within(u8, u8, i32),
    DailyReport(u8, u8),
    DailyBy(u8),
}

fn due() -> impl Strategy<Value = (Due, usize)> {
    prop_oneof![
        Just(Due::Standing),
        (1u8..=28, 1u8..=12, 2021i32..=2022).prop_map(|(d, m, y)| Due::Before(d, m, y)),
        (1u8..=28, 1u8..=12, 2021i32..=2022).prop_map(|(d, m, y)| Due::Within(d, m, y)),
        (6u8..=20, prop_oneof![Just(0u8), Just(30u8), Just(15u8)])
            .prop_map(|(h, m)| Due::DailyReport(h, m)),
        (17u8..=23).prop_map(Due::DailyBy),
    ]
    .prop_flat_map(|d| (Just(d), 0usize..3))
}

fn phrase(due: &Due, style: usize) -> String {
    let pad = |n: u8| if style == 1 { format!("{n:02}") } else { n.to_string() };
    match due {
        Due::Standing => "tăng cường công tác tuyên truyền.".into(),
        Due::Before(d, m, y) => {
            format!("rà soát danh sách, hoàn thành trước ngày {}/{}/{y}.", pad(*d), pad(*m))
        }
        Due::Within(d, m, y) => {
            format!("bố trí lực lượng, hoàn thành trong ngày {}/{}/{y}.", pad(*d), pad(*m))
        }
        Due::DailyReport(h, m) => match style {
            0 => format!("tổng hợp, báo cáo Thường trực trước {h}h{m:02} hằng ngày."),
            1 => format!("tổng hợp, báo cáo kết quả trước {h} giờ {m:02} phút hàng ngày."),
            _ => format!("báo cáo tình hình trước {h}h{m:02} hằng ngày."),
        },
        Due::DailyBy(h) => format!("đóng cửa các điểm kinh doanh chậm nhất {h} giờ hàng ngày."),
    }
}

fn item_marker(style: usize, n: usize) -> String {
    match style {
        0 => format!("{n}. "),
        1 => format!("{n}- "),
        _ => format!("{} là, ", ORDINALS[(n - 1) % ORDINALS.len()]),
    }
}

prop_compose! {
    fn document()(
        issuer in 0..ISSUERS.len(),
        kind in 0..TYPES.len(),
        number in 1u32..999,
        (day, month, year) in (1u8..=28, 1u8..=12, 2020i32..=2022),
        items in prop::collection::vec((0usize..7, 0usize..3, due()), 1..6),
        numbering in 0usize..3,
        capacity in 0..CAPACITIES.len(),
    ) -> (usize, usize, u32, (u8, u8, i32), Vec<(usize, usize, (Due, usize))>, usize, usize) {
        (issuer, kind, number, (day, month, year), items, numbering, capacity)
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    #[test]
    fn generated_documents_read_back_to_what_made_them(
        (issuer, kind, number, (day, month, year), items, numbering, capacity) in document()
    ) {
        let registry = common::demo_registry();
        let is = &ISSUERS[issuer];
        let (heading, code, type_name) = TYPES[kind];
        let symbol = if is.party {
            format!("{number:02}-{code}/{}", is.code)
        } else {
            format!("{number}/{code}-{}", is.code)
        };
        let written_symbol = if is.party {
            format!("Số {number:02} - {code}/{}", is.code)
        } else {
            format!("Số: {number}/{code}-{}", is.code)
        };
        let mut text = format!(
            "{}\n{written_symbol}\n{}, ngày {day:02} tháng {month} năm {year}\n\n{heading}\nVề việc tăng cường phòng, chống dịch\n\nYêu cầu các cơ quan thực hiện:\n\n",
            is.header, is.place
        );
        let mut expected = Vec::new();
        for (n, (office, spelling, (due, style))) in items.iter().enumerate() {
            let (id, names) = is.assignees[office % is.assignees.len()];
            let name = names[spelling % names.len()];
            text.push_str(&item_marker(numbering, n + 1));
            text.push_str(&format!("{name} {}\n\n", phrase(due, *style)));
            expected.push((id, due.clone()));
        }
        let (chain, cap) = CAPACITIES[capacity];
        text.push_str(&format!("Nơi nhận:\n- Như trên,\n- Lưu VT.\n\n{chain}\n\nNguyễn Văn An\n"));

        let draft = mandate_import::draft("generated.txt", text.as_bytes(), &registry, "+07:00")
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let d = &draft.document;
        prop_assert_eq!(d.symbol.value.as_ref().map(ToString::to_string), Some(symbol), "{}", text);
        prop_assert_eq!(d.issued_on.value.map(|x| x.to_string()), Some(format!("{year}-{month:02}-{day:02}")));
        prop_assert_eq!(d.place.value.as_deref(), Some(is.place));
        prop_assert_eq!(d.document_type.value.map(|t| mandate_model::event::wire_name(&t)), Some(type_name.to_owned()));
        prop_assert_eq!(d.issuer.value.as_ref().map(ToString::to_string), Some(is.office.to_owned()), "{}", text);
        prop_assert_eq!(draft.signature.capacity.value, Some(cap));
        prop_assert_eq!(draft.signature.signer.value.as_deref(), Some("Nguyễn Văn An"));
        prop_assert_eq!(draft.tasks.len(), expected.len(), "{}", text);
        for (t, (id, due)) in draft.tasks.iter().zip(&expected) {
            let lead = t.assignees.iter().find(|a| a.role.value == Some(AssigneeRole::Lead));
            prop_assert_eq!(lead.and_then(|a| a.office.value.as_ref()).map(ToString::to_string), Some((*id).to_owned()), "{}", text);
            let r = t.reading.as_ref();
            match due {
                Due::Standing => prop_assert!(r.is_none(), "{:?}", r),
                Due::Before(dd, mm, yy) | Due::Within(dd, mm, yy) => {
                    let wording = if matches!(due, Due::Before(..)) { "before_day" } else { "within_day" };
                    prop_assert_eq!(r.map(|r| r.wording.as_str()), Some(wording));
                    prop_assert_eq!(r.and_then(|r| r.day).map(|x| x.to_string()), Some(format!("{yy}-{mm:02}-{dd:02}")));
                }
                Due::DailyReport(h, m) => {
                    prop_assert_eq!(r.and_then(|r| r.time).map(|x| x.to_string()), Some(format!("{h:02}:{m:02}")));
                    prop_assert!(r.is_some_and(|r| r.reported));
                }
                Due::DailyBy(h) => {
                    prop_assert_eq!(r.and_then(|r| r.time).map(|x| x.to_string()), Some(format!("{h:02}:00")));
                    prop_assert!(r.is_some_and(|r| !r.reported));
                }
            }
        }
        // Every quote is exactly the source text at its offsets.
        let chars: Vec<char> = draft.source.text.chars().collect();
        for e in evidences(&draft) {
            let quoted: String = chars[e.start..e.end].iter().collect();
            prop_assert_eq!(&quoted, &e.quote);
        }
        prop_assert!(d.symbol.status == Status::Found);
    }

    #[test]
    fn no_text_makes_the_importer_panic(text in "\\PC{0,600}") {
        let registry = common::demo_registry();
        let _ = mandate_import::draft("any.txt", text.as_bytes(), &registry, "+07:00");
    }

    #[test]
    fn no_shuffle_of_seed_lines_makes_the_importer_panic(
        picks in prop::collection::vec((0usize..3, 0usize..400), 0..80)
    ) {
        let registry = common::demo_registry();
        let seeds: Vec<String> = ["long-bien-06-CT-QU.txt", "bac-ninh-272-CV-TU.txt", "hung-yen-chi-thi-tinh-uy.txt"]
            .iter()
            .map(|n| String::from_utf8(common::seed(n)).unwrap_or_default())
            .collect();
        let mut text = String::new();
        for (s, line) in picks {
            let lines: Vec<&str> = seeds[s].lines().collect();
            if !lines.is_empty() {
                text.push_str(lines[line % lines.len()]);
                text.push('\n');
            }
        }
        if let Ok(draft) = mandate_import::draft("mix.txt", text.as_bytes(), &registry, "+07:00") {
            let chars: Vec<char> = draft.source.text.chars().collect();
            for e in evidences(&draft) {
                prop_assert!(e.end <= chars.len() && e.start <= e.end);
                let quoted: String = chars[e.start..e.end].iter().collect();
                prop_assert_eq!(&quoted, &e.quote);
            }
        }
    }
}

/// Every evidence in a draft.
fn evidences(draft: &mandate_import::Draft) -> Vec<mandate_import::draft::Evidence> {
    let value = serde_json::to_value(draft).unwrap_or_default();
    let mut out = Vec::new();
    collect(&value, &mut out);
    out
}

fn collect(v: &serde_json::Value, out: &mut Vec<mandate_import::draft::Evidence>) {
    match v {
        serde_json::Value::Object(map) => {
            if let Some(e) = map.get("evidence")
                && let Ok(e) = serde_json::from_value(e.clone())
            {
                out.push(e);
            }
            map.values().for_each(|x| collect(x, out));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|x| collect(x, out)),
        _ => {}
    }
}
