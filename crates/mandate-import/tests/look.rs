mod common;

#[test]
#[ignore = "prints the seeds' reviews, for a person"]
fn print_reviews() {
    let registry = common::demo_registry();
    for name in ["long-bien-06-CT-QU.txt", "bac-ninh-272-CV-TU.txt", "hung-yen-chi-thi-tinh-uy.txt"]
    {
        let draft =
            mandate_import::draft(name, &common::seed(name), &registry, "+07:00").expect("draft");
        eprintln!("{}", mandate_import::review::table(&draft, None));
    }
}

#[test]
#[ignore = "debug"]
fn debug_one() {
    let registry = common::demo_registry();
    let r = mandate_import::resolve::Resolver::new(&registry);
    let area: mandate_model::ids::AreaPath = "vn/hung-yen".parse().unwrap();
    for w in [
        "Ban Chỉ đạo phòng chống dịch bệnh Covid - 19 tỉnh",
        "Ban Chỉ đạo phòng, chống dịch bệnh Covid-19 tỉnh Hưng Yên",
    ] {
        eprintln!(
            "{w}: {:?} {} / {}",
            r.office(w, Some(&area)),
            mandate_model::fold::fold(w),
            r.expand(w)
        );
    }
}
