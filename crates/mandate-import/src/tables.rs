//! The importer's rules that are really data: document type names, abbreviations, capacity
//! words, title casing, deadline phrases, the verbs that end an assignee's name. A new phrase is
//! one line here, with a test in `tests/import.rs` or the corpus.

use mandate_model::event::{Capacity, Level, OfficeKind};
use mandate_model::symbol::DocumentType;

/// A document type's heading as printed (upper case), and its type.
pub const TYPE_HEADINGS: &[(&str, DocumentType)] = &[
    ("CHỈ THỊ", DocumentType::Directive),
    ("CÔNG VĂN", DocumentType::OfficialLetter),
    ("THÔNG BÁO", DocumentType::Notice),
    ("KẾ HOẠCH", DocumentType::Plan),
    ("QUYẾT ĐỊNH", DocumentType::Decision),
    ("NGHỊ QUYẾT", DocumentType::Resolution),
    ("NGHỊ ĐỊNH", DocumentType::Decree),
];

/// A cited document's type word (any case) and its type.
pub const TYPE_WORDS: &[(&str, DocumentType)] = &[
    ("chỉ thị", DocumentType::Directive),
    ("công văn", DocumentType::OfficialLetter),
    ("thông báo", DocumentType::Notice),
    ("kế hoạch", DocumentType::Plan),
    ("quyết định", DocumentType::Decision),
    ("nghị quyết", DocumentType::Resolution),
    ("nghị định", DocumentType::Decree),
];

/// Abbreviations, expanded before names are matched (whole words, as written). Longer first.
pub const ABBREVIATIONS: &[(&str, &str)] = &[
    ("UB MTTQ", "Ủy ban Mặt trận Tổ quốc"),
    ("UBMTTQ", "Ủy ban Mặt trận Tổ quốc"),
    ("UBND", "Ủy ban nhân dân"),
    ("HĐND", "Hội đồng nhân dân"),
    ("MTTQ", "Mặt trận Tổ quốc"),
    ("BCĐ", "Ban Chỉ đạo"),
    ("BTVQU", "Ban Thường vụ Quận ủy"),
    ("BTVTU", "Ban Thường vụ Tỉnh ủy"),
    ("BTV", "Ban Thường vụ"),
    ("UVTV", "Ủy viên Thường vụ"),
    ("BCS", "Ban cán sự"),
    ("CT-XH", "chính trị - xã hội"),
    ("VPQU", "Văn phòng Quận ủy"),
    ("VPHU", "Văn phòng Huyện ủy"),
    ("UBKT", "Ủy ban Kiểm tra"),
    ("BCH QS", "Ban Chỉ huy Quân sự"),
    ("TT", "Thường trực"),
    ("LĐ", "Lãnh đạo"),
    ("TW", "Trung ương"),
    ("UB", "Ủy ban"),
    ("Đ/c", "đồng chí"),
    ("TP.", "thành phố"),
];

/// Words before an office's name that address part of it (its standing members, its
/// archive copy), folded: "Thường trực Tỉnh ủy" is addressed to the Tỉnh ủy.
pub const ADDRESS_PREFIXES: &[&str] = &[
    "luu",
    "thuong truc",
    "ban thuong vu",
    "dong chi",
    "cac dong chi",
    "doi voi",
    "cac",
    "toan the",
];

/// Names for the same office, folded: the second is how registries usually spell it.
pub const OFFICE_ALIASES: &[(&str, &str)] = &[("mat tran to quoc", "uy ban mat tran to quoc")];

/// Level words as folded, longest first, with the level they name.
pub const LEVEL_WORDS: &[(&str, Level)] = &[
    ("thanh pho", Level::District),
    ("thi tran", Level::Commune),
    ("thi xa", Level::District),
    ("tinh", Level::Province),
    ("quan", Level::District),
    ("huyen", Level::District),
    ("phuong", Level::Commune),
    ("xa", Level::Commune),
];

/// Capacity words at the start of a signature line, as written, and the capacity.
pub const CAPACITY_WORDS: &[(&str, Capacity)] = &[
    ("T/M", Capacity::OnBehalf),
    ("TM.", Capacity::OnBehalf),
    ("TM", Capacity::OnBehalf),
    ("K/T", Capacity::InPlace),
    ("KT.", Capacity::InPlace),
    ("KT", Capacity::InPlace),
    ("T/L", Capacity::ByOrder),
    ("TL.", Capacity::ByOrder),
    ("TL", Capacity::ByOrder),
    ("TUQ.", Capacity::ByDelegation),
    ("TUQ", Capacity::ByDelegation),
    ("Q.", Capacity::Acting),
];

/// Upper-case phrases of a signature line written as one name, tried before single words.
pub const TITLE_PHRASES: &[(&str, &str)] = &[
    ("ỦY BAN NHÂN DÂN", "Ủy ban nhân dân"),
    ("UỶ BAN NHÂN DÂN", "Ủy ban nhân dân"),
    ("HỘI ĐỒNG NHÂN DÂN", "Hội đồng nhân dân"),
    ("BAN CHỈ ĐẠO", "Ban Chỉ đạo"),
    ("BAN THƯỜNG VỤ", "Ban Thường vụ"),
    ("BAN CHẤP HÀNH", "Ban Chấp hành"),
    ("ỦY BAN KIỂM TRA", "Ủy ban Kiểm tra"),
    ("VĂN PHÒNG", "Văn phòng"),
];

/// How the words of an upper-case signature line are written in a title.
pub const TITLE_WORDS: &[(&str, &str)] = &[
    ("BAN", "Ban"),
    ("THƯỜNG", "Thường"),
    ("VỤ", "vụ"),
    ("TRỰC", "trực"),
    ("BÍ", "Bí"),
    ("THƯ", "thư"),
    ("PHÓ", "Phó"),
    ("CHỦ", "Chủ"),
    ("TỊCH", "tịch"),
    ("CHÁNH", "Chánh"),
    ("VĂN", "Văn"),
    ("PHÒNG", "phòng"),
    ("GIÁM", "Giám"),
    ("ĐỐC", "đốc"),
    ("TRƯỞNG", "Trưởng"),
    ("ỦY", "Ủy"),
    ("UỶ", "Ủy"),
    ("VIÊN", "viên"),
    ("CHỈ", "Chỉ"),
    ("ĐẠO", "đạo"),
];

/// Lowercase words that, after an office's name, start what it must do: the name ends before
/// the first of them ("Đảng ủy Quân sự thành phố | tăng cường lãnh đạo …").
pub const ACTION_VERBS: &[&str] = &[
    "tăng cường",
    "tiếp tục",
    "chỉ đạo",
    "lãnh đạo",
    "thực hiện",
    "tổ chức",
    "chủ động",
    "chủ trì",
    "phối hợp",
    "phát động",
    "có các",
    "có trách nhiệm",
    "cần",
    "phải",
    "bám sát",
    "tham mưu",
    "theo dõi",
    "rà soát",
    "triển khai",
    "khẩn trương",
    "xây dựng",
    "đẩy mạnh",
    "nắm",
    "được phân công",
    "xác định",
    "quán triệt",
    "tập trung",
    "làm tốt",
    "kiểm tra",
    "hướng dẫn",
    "thường xuyên",
    "báo cáo",
    "tổng hợp",
    "yêu cầu",
    "chịu trách nhiệm",
];

/// The kind an office's name says it is, by a folded word it holds. First match wins.
pub const KIND_WORDS: &[(&str, OfficeKind)] = &[
    ("ban thuong vu", OfficeKind::StandingBoard),
    ("uy ban kiem tra", OfficeKind::InspectionCommittee),
    ("uy ban nhan dan", OfficeKind::PeoplesCommittee),
    ("hoi dong nhan dan", OfficeKind::PeoplesCouncil),
    ("ban chi dao", OfficeKind::SteeringCommittee),
    ("mat tran to quoc", OfficeKind::Front),
    ("cong an", OfficeKind::Police),
    ("quan su", OfficeKind::Military),
    ("ban tuyen giao", OfficeKind::PartyBoard),
    ("ban dan van", OfficeKind::PartyBoard),
    ("ban to chuc", OfficeKind::PartyBoard),
    ("van phong", OfficeKind::PartyBoard),
    ("ban can su", OfficeKind::PartyBoard),
    ("dang doan", OfficeKind::PartyBoard),
    ("so ", OfficeKind::Department),
    ("phong ", OfficeKind::Department),
    ("dang uy", OfficeKind::PartyCommittee),
    ("tinh uy", OfficeKind::PartyCommittee),
    ("thanh uy", OfficeKind::PartyCommittee),
    ("quan uy", OfficeKind::PartyCommittee),
    ("huyen uy", OfficeKind::PartyCommittee),
    ("thi uy", OfficeKind::PartyCommittee),
    ("doan thanh nien", OfficeKind::MassOrganisation),
    ("hoi ", OfficeKind::MassOrganisation),
];

/// A deadline phrase: how it is worded, and the pattern that reads it (case-insensitive).
/// Groups: `d`, `m`, `y` for a day; `h`, `min` for a time of day; `n` for a number of days.
pub const DEADLINE_PHRASES: &[(&str, &str)] = &[
    // "hoàn thành trước ngày 31/7/2021": due when that day begins.
    (
        "before_day",
        r"(?:hoàn thành |xong |báo cáo )?trước ngày (?P<d>\d{1,2})\s*/\s*(?P<m>\d{1,2})\s*/\s*(?P<y>\d{4})",
    ),
    // "trong ngày 31/7/2021", "chậm nhất ngày 31/7/2021", "hạn chót ngày …": by its end.
    (
        "within_day",
        r"(?:trong|chậm nhất(?: là)?(?: trong)?|hạn chót|không quá|xong trong) ngày (?P<d>\d{1,2})\s*/\s*(?P<m>\d{1,2})\s*/\s*(?P<y>\d{4})",
    ),
    // "trước 16h30 hằng ngày", "trước 16 giờ 30 phút hàng ngày".
    (
        "daily_before",
        r"trước (?P<h>\d{1,2})\s*(?:h|giờ|g)\s*(?P<min>\d{2})?\s*(?:phút)?\s*,?\s*(?:hằng|hàng|mỗi) ngày",
    ),
    // "chậm nhất 21 giờ hàng ngày", "trước 21 giờ hằng ngày" is above; "hằng ngày trước 16h".
    (
        "daily_by",
        r"(?:chậm nhất|muộn nhất|không quá)(?: là)? (?P<h>\d{1,2})\s*(?:h|giờ|g)\s*(?P<min>\d{2})?\s*(?:phút)?\s*,?\s*(?:hằng|hàng|mỗi) ngày",
    ),
    (
        "daily_before",
        r"(?:hằng|hàng|mỗi) ngày,? trước (?P<h>\d{1,2})\s*(?:h|giờ|g)\s*(?P<min>\d{2})?",
    ),
    // "định kỳ hằng tuần", "hằng tháng": periodic, a cadence the events do not hold yet.
    ("periodic", r"(?:định kỳ )?(?:hằng|hàng|mỗi) (?:tuần|tháng|quý|năm)"),
    // "trong thời hạn 05 ngày", "trong vòng 3 ngày kể từ ngày …": counted from an act.
    ("within_days", r"trong (?:thời hạn|vòng) (?P<n>\d{1,3}) ngày"),
];
