//! A generated national ledger: a country's campaign in the shape the brief describes, for
//! measuring Mandate at the sizes a country reaches (`mandate generate national`, `mandate
//! bench`).
//!
//! The tree has the real proportions: 63 provinces (UBND tỉnh, each with its inspectorate),
//! 11 districts each (693, UBND huyện) and 14 communes in each district (9,702, UBND xã). The
//! national steering committee (BCĐ quốc gia) issues one directive whose item 3 gives every
//! commune a daily report due by 16:30; each month every district owes a thematic report due a
//! week later. Then, day after simulated day: a few commune heads change (the position ends, a
//! new head and key are registered), most communes report by 15:00, some only at 18:00 and
//! some not at all; the real watchdog looks at 17:00 and records what was missed; and the
//! province inspectorate opens a case on a few communes that missed, records the violation and
//! criticises the head. Everything goes through the real gate, signed, on a simulated clock.
//! Names are generated (`Tỉnh 01`, `Huyện 01-03`, `Xã 01-03-07`); the shape is what matters.
//!
//! The outcome of each period is a fixed function of the commune and the day, so the same
//! `events` gives the same log, byte for byte.

use std::collections::BTreeMap;
use std::sync::Arc;

use ed25519_dalek::SigningKey;
use mandate_ledger::backend::LogBackend;
use mandate_ledger::clock::SimulatedClock;
use mandate_ledger::gate::{Gate, Submission};
use mandate_model::canonical;
use mandate_model::ids::EventId;
use mandate_model::sign::{self, encode_public_key};
use mandate_model::time::Timestamp;
use mandate_views::watchdog::{Look, Watchdog};
use mandate_views::{Commit, Views};
use rayon::prelude::*;
use serde_json::{Value, json};
use time::Date;

use crate::driver::{WATCHDOG_PERSON, demo_gate_key, demo_key};

/// The generated ledger's name.
pub const LEDGER: &str = "quoc-gia-2021";
/// The administration office and its administrator.
pub const ADMIN_OFFICE: &str = "mandate/quan-tri";
pub const ADMINISTRATOR: &str = "quan-tri-vien";
/// The national steering committee and the directive it issues.
pub const NATIONAL: &str = "vn/bcd-quoc-gia";
pub const DIRECTIVE: &str = "document:vn/bcd-quoc-gia:2021:16/CT-BCĐ";

/// The tree's proportions.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub provinces: u32,
    pub districts_per_province: u32,
    pub communes_per_district: u32,
}

impl Default for Shape {
    /// 63 provinces, 693 districts, 9,702 communes.
    fn default() -> Self {
        Self { provinces: 63, districts_per_province: 11, communes_per_district: 14 }
    }
}

/// A generated ledger, with its read models at the head.
pub struct National<L: LogBackend> {
    pub gate: Gate<L>,
    pub views: Views,
    pub clock: SimulatedClock,
    /// Simulated days after the set-up day.
    pub days: u32,
    pub misses: u64,
    /// The last simulated moment.
    pub end: Timestamp,
    /// Each simulated day's 17:00 watchdog look: (seconds it took, periods it read), after the
    /// day's reports were projected (the look's own work: judging and recording the misses).
    pub looks: Vec<(f64, u64)>,
}

/// Why generation stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NationalError {
    #[error("the gate could not open over the log")]
    Open(#[from] mandate_ledger::gate::OpenError),
    #[error("the generator built an event the gate refused ({stream}): {reason}")]
    Refused { stream: String, reason: String },
    #[error("the generator could not encode an event: {0}")]
    Encode(String),
    #[error("the watchdog failed")]
    Watchdog(#[from] mandate_views::watchdog::WatchdogError),
    #[error("the read models failed")]
    Views(#[from] mandate_views::ViewsError),
}

/// The key of a generated person (derived from the name, as the demo's are: not secret).
pub fn key_of(person: &str) -> SigningKey {
    demo_key(&format!("national:{person}"))
}

/// splitmix64: a fixed, well-mixed function of its input.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// How a commune's day goes: 85 % report on time, 8 % late, 7 % not at all.
fn outcome(commune: u32, day: u32) -> u64 {
    mix((u64::from(commune) << 32) | u64::from(day)) % 100
}

struct Commune {
    office: String,
    area: String,
    task: String,
    province: u32,
    head: String,
    /// How many heads it has had.
    generation: u32,
}

struct Writer<L: LogBackend> {
    gate: Gate<L>,
    clock: SimulatedClock,
    heads: BTreeMap<String, (u64, EventId)>,
    keys: BTreeMap<String, SigningKey>,
    pending: Vec<(String, Vec<u8>, String)>,
    progress: Box<dyn FnMut(u64)>,
}

impl<L: LogBackend> Writer<L> {
    fn key(&mut self, person: &str) -> SigningKey {
        self.keys.entry(person.to_owned()).or_insert_with(|| key_of(person)).clone()
    }

    /// Queues an event on `stream`, continuing it, signed by `signer`.
    fn push(
        &mut self,
        stream: &str,
        kind: &str,
        actor: &Value,
        occurred_at: &str,
        data: Value,
        signer: &str,
    ) -> Result<EventId, NationalError> {
        let (version, prev) =
            self.heads.get(stream).map_or((1, None), |(v, id)| (v + 1, Some(*id)));
        let mut body = json!({"ledger": LEDGER, "stream": stream, "version": version,
            "occurred_at": occurred_at, "actor": actor, "kind": kind, "data": data});
        if let Some(prev) = prev {
            body["prev"] = json!(prev.to_string());
        }
        let bytes = canonical::to_canonical_bytes(&canonical::normalize_strings(body))
            .map_err(|e| NationalError::Encode(e.to_string()))?;
        let id = EventId::of_body(&bytes);
        self.heads.insert(stream.to_owned(), (version, id));
        self.key(signer);
        self.pending.push((stream.to_owned(), bytes, signer.to_owned()));
        Ok(id)
    }

    /// Signs what is queued (on all cores) and submits it at `at`, in batches of one commit.
    fn flush(&mut self, at: &str) -> Result<(), NationalError> {
        if let Ok(at) = at.parse::<Timestamp>() {
            self.clock.set(at);
        }
        let pending = std::mem::take(&mut self.pending);
        let keys = &self.keys;
        let signed: Vec<(String, Submission)> = pending
            .into_par_iter()
            .map(|(stream, bytes, signer)| (stream, Submission::sign(bytes, &keys[&signer])))
            .collect();
        for chunk in signed.chunks(4_096) {
            let (streams, subs): (Vec<&String>, Vec<Submission>) =
                chunk.iter().map(|(s, sub)| (s, sub.clone())).unzip();
            for (result, stream) in self.gate.submit_batch(subs).into_iter().zip(streams) {
                if let Err(e) = result {
                    return Err(NationalError::Refused {
                        stream: stream.clone(),
                        reason: mandate_ledger::error_chain(&e),
                    });
                }
            }
            (self.progress)(self.gate.head());
        }
        Ok(())
    }
}

fn day_text(date: Date) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day())
}

/// Generates a ledger of about `events` events into `log` (empty), its read models into
/// `views`; `progress` is told the log's head as it grows.
pub fn generate<L: LogBackend>(
    log: L,
    views: Views,
    events: u64,
    shape: Shape,
    progress: impl FnMut(u64) + 'static,
) -> Result<National<L>, NationalError> {
    let first = time::macros::date!(2021 - 07 - 01);
    let clock = SimulatedClock::new(
        "2021-07-01T08:00:00+07:00".parse().map_err(|_| NationalError::Encode("start".into()))?,
    );
    let gate = Gate::open(log, demo_gate_key(), Arc::new(clock.clone()))?;
    let mut w = Writer {
        gate,
        clock: clock.clone(),
        heads: BTreeMap::new(),
        keys: BTreeMap::new(),
        pending: Vec::new(),
        progress: Box::new(progress),
    };
    let admin =
        json!({"person": ADMINISTRATOR, "office": ADMIN_OFFICE, "capacity": "administrator"});
    let set_up = "2021-07-01T08:00:00+07:00";
    let admin_key = w.key(ADMINISTRATOR);
    w.push(
        &format!("ledger:{LEDGER}"),
        "ledger.established",
        &admin,
        set_up,
        json!({
            "utc_offset": "+07:00",
            "administrator": {"person": ADMINISTRATOR, "full_name": "Quản trị viên (mô phỏng)",
                              "public_key": encode_public_key(&admin_key.verifying_key())},
            "admin_office": ADMIN_OFFICE, "admin_office_name": "Văn phòng quản trị Mandate",
            "gate_public_key": encode_public_key(&demo_gate_key().verifying_key()),
        }),
        ADMINISTRATOR,
    )?;
    // A person heading (or holding `role` in) an office, with a registered key.
    let appoint = |w: &mut Writer<L>,
                   office: &str,
                   person: &str,
                   full_name: &str,
                   role: &str,
                   title: &str,
                   from: &str|
     -> Result<(), NationalError> {
        w.push(
            &format!("person:{person}"),
            "person.registered",
            &admin,
            from,
            json!({"full_name": full_name, "fictional": true}),
            ADMINISTRATOR,
        )?;
        w.push(
            &format!("office:{office}"),
            "position.assigned",
            &admin,
            from,
            json!({"person": person, "role": role, "title": title, "from": from}),
            ADMINISTRATOR,
        )?;
        let key = w.key(person);
        w.push(
            &format!("key:{}", sign::key_id(&key.verifying_key())),
            "key.registered",
            &admin,
            from,
            json!({"person": person, "public_key": encode_public_key(&key.verifying_key()),
                   "valid_from": from}),
            ADMINISTRATOR,
        )?;
        Ok(())
    };
    // The watchdog signs with the demo's watchdog key, as `mandate demo` writes it.
    w.keys.insert(WATCHDOG_PERSON.to_owned(), demo_key(WATCHDOG_PERSON));
    appoint(
        &mut w,
        ADMIN_OFFICE,
        WATCHDOG_PERSON,
        "Bộ canh báo hạn",
        "system",
        "Bộ canh báo hạn (deadline watchdog)",
        set_up,
    )?;
    w.push(
        &format!("office:{NATIONAL}"),
        "office.registered",
        &admin,
        set_up,
        json!({
        "name": "Ban Chỉ đạo quốc gia phòng, chống dịch COVID-19 (mô phỏng)",
        "kind": "steering_committee", "level": "national", "area": "vn"}),
        ADMINISTRATOR,
    )?;
    appoint(
        &mut w,
        NATIONAL,
        "truong-ban-bcd",
        "Trưởng Ban Chỉ đạo (mô phỏng)",
        "head",
        "Trưởng Ban Chỉ đạo",
        set_up,
    )?;
    let mut communes = Vec::new();
    let mut districts = Vec::new();
    for p in 1..=shape.provinces {
        let area = format!("vn/t{p:02}");
        let ubnd = format!("{area}/ubnd");
        w.push(
            &format!("office:{ubnd}"),
            "office.registered",
            &admin,
            set_up,
            json!({
            "name": format!("Ủy ban nhân dân tỉnh {p:02} (mô phỏng)"), "kind": "peoples_committee",
            "level": "province", "area": area}),
            ADMINISTRATOR,
        )?;
        appoint(
            &mut w,
            &ubnd,
            &format!("chu-tich-t{p:02}"),
            &format!("Chủ tịch tỉnh {p:02}"),
            "head",
            "Chủ tịch UBND tỉnh",
            set_up,
        )?;
        let inspectorate = format!("{area}/thanh-tra");
        w.push(
            &format!("office:{inspectorate}"),
            "office.registered",
            &admin,
            set_up,
            json!({
            "name": format!("Thanh tra tỉnh {p:02} (mô phỏng)"), "kind": "inspection_committee",
            "level": "province", "area": area, "parent": ubnd}),
            ADMINISTRATOR,
        )?;
        appoint(
            &mut w,
            &inspectorate,
            &format!("chanh-thanh-tra-t{p:02}"),
            &format!("Chánh Thanh tra tỉnh {p:02}"),
            "head",
            "Chánh Thanh tra tỉnh",
            set_up,
        )?;
        for d in 1..=shape.districts_per_province {
            let d_area = format!("{area}/h{d:02}");
            let d_ubnd = format!("{d_area}/ubnd");
            w.push(
                &format!("office:{d_ubnd}"),
                "office.registered",
                &admin,
                set_up,
                json!({
                "name": format!("Ủy ban nhân dân huyện {p:02}-{d:02} (mô phỏng)"),
                "kind": "peoples_committee", "level": "district", "area": d_area, "parent": ubnd}),
                ADMINISTRATOR,
            )?;
            let d_head = format!("chu-tich-t{p:02}-h{d:02}");
            appoint(
                &mut w,
                &d_ubnd,
                &d_head,
                &format!("Chủ tịch huyện {p:02}-{d:02}"),
                "head",
                "Chủ tịch UBND huyện",
                set_up,
            )?;
            districts.push((d_ubnd.clone(), d_head, format!("t{p:02}-h{d:02}")));
            for c in 1..=shape.communes_per_district {
                let c_area = format!("{d_area}/x{c:02}");
                let office = format!("{c_area}/ubnd");
                w.push(
                    &format!("office:{office}"),
                    "office.registered",
                    &admin,
                    set_up,
                    json!({
                    "name": format!("Ủy ban nhân dân xã {p:02}-{d:02}-{c:02} (mô phỏng)"),
                    "kind": "peoples_committee", "level": "commune", "area": c_area,
                    "parent": d_ubnd}),
                    ADMINISTRATOR,
                )?;
                let head = format!("chu-tich-t{p:02}-h{d:02}-x{c:02}");
                appoint(
                    &mut w,
                    &office,
                    &head,
                    &format!("Chủ tịch xã {p:02}-{d:02}-{c:02}"),
                    "head",
                    "Chủ tịch UBND xã",
                    set_up,
                )?;
                let task = format!("task:{NATIONAL}:2021:16/CT-BCĐ:3/t{p:02}-h{d:02}-x{c:02}");
                communes.push(Commune {
                    office,
                    area: c_area,
                    task,
                    province: p,
                    head,
                    generation: 1,
                });
            }
        }
        w.flush(set_up)?;
    }
    let chief = json!({"person": "truong-ban-bcd", "office": NATIONAL, "capacity": "direct"});
    w.push(
        DIRECTIVE,
        "directive.issued",
        &chief,
        "2021-07-01T09:00:00+07:00",
        json!({
        "document_type": "directive", "symbol": "16/CT-BCĐ", "issued_on": "2021-07-01",
        "subject": "Về tăng cường báo cáo hằng ngày công tác phòng, chống dịch COVID-19 (mô phỏng)",
        "addressees": [], "distribution": [], "implements": [], "cites": [], "assumed": []}),
        "truong-ban-bcd",
    )?;
    for commune in &communes {
        w.push(
            &commune.task,
            "task.assigned",
            &chief,
            "2021-07-01T09:00:00+07:00",
            json!({
            "document": DIRECTIVE, "item": "3",
            "content": "Báo cáo tình hình dịch trên địa bàn xã trước 16h30 hằng ngày (mô phỏng).",
            "assignees": [{"office": commune.office, "role": "lead"}],
            "obligation": {"type": "recurring", "cadence": "daily", "due_time": "16:30",
                           "utc_offset": "+07:00", "starts_on": "2021-07-02", "reported": true}}),
            "truong-ban-bcd",
        )?;
    }
    w.flush("2021-07-01T09:00:00+07:00")?;

    let watchdog = Watchdog::new(
        LEDGER,
        WATCHDOG_PERSON
            .parse()
            .map_err(|e: mandate_model::ids::IdError| NationalError::Encode(e.to_string()))?,
        ADMIN_OFFICE
            .parse()
            .map_err(|e: mandate_model::ids::IdError| NationalError::Encode(e.to_string()))?,
        demo_key(WATCHDOG_PERSON),
    );
    let mut misses = 0u64;
    let mut looks = Vec::new();
    let mut day = 0u32;
    let mut cases = 0u32;
    let mut end: Timestamp =
        "2021-07-01T09:00:00+07:00".parse().map_err(|_| NationalError::Encode("time".into()))?;
    while w.gate.head() < events {
        day += 1;
        let date = first + time::Duration::days(i64::from(day));
        let today = day_text(date);
        let at = |time: &str| format!("{today}T{time}:00+07:00");
        // 08:00: about one commune in a thousand changes its head.
        for (i, commune) in communes.iter_mut().enumerate() {
            if !mix(u64::from(day) << 40 | i as u64).is_multiple_of(1_000) {
                continue;
            }
            let from = at("08:00");
            w.push(
                &format!("office:{}", commune.office),
                "position.ended",
                &admin,
                &from,
                json!({"person": commune.head, "role": "head", "until": from,
                       "reason": "Điều động công tác khác (mô phỏng)."}),
                ADMINISTRATOR,
            )?;
            commune.generation += 1;
            let base = commune.head.split("-g").next().unwrap_or(&commune.head).to_owned();
            commune.head = format!("{base}-g{}", commune.generation);
            let head = commune.head.clone();
            appoint(
                &mut w,
                &commune.office,
                &head,
                &format!("Chủ tịch xã (mô phỏng) {head}"),
                "head",
                "Chủ tịch UBND xã",
                &from,
            )?;
        }
        w.flush(&at("08:00"))?;
        // 09:00 on the 1st: every district owes a thematic report within the week.
        if date.day() == 1 {
            let due = day_text(date + time::Duration::days(7));
            for (office, _, key) in &districts {
                let task = format!("task:{NATIONAL}:2021:16/CT-BCĐ:5/{key}-{today}");
                w.push(&task, "task.assigned", &chief, &at("09:00"), json!({
                    "document": DIRECTIVE, "item": "5",
                    "content": format!("Báo cáo chuyên đề tháng, trước 16h00 ngày {due} (mô phỏng)."),
                    "assignees": [{"office": office, "role": "lead"}],
                    "obligation": {"type": "deadline", "due_at": format!("{due}T16:00:00+07:00"),
                                   "wording": "at_time"}}), "truong-ban-bcd")?;
            }
            w.flush(&at("09:00"))?;
        }
        if date.day() == 6 && day > 7 {
            let month = day_text(date - time::Duration::days(5));
            for (i, (office, head, key)) in districts.iter().enumerate() {
                if mix(u64::from(day) << 36 | i as u64).is_multiple_of(10) {
                    continue;
                }
                let task = format!("task:{NATIONAL}:2021:16/CT-BCĐ:5/{key}-{month}");
                w.push(&task, "report.filed",
                    &json!({"person": head, "office": office, "capacity": "direct"}), &at("10:00"),
                    json!({"report_kind": "thematic", "summary": "Báo cáo chuyên đề tháng (mô phỏng).",
                           "attachments": []}), head)?;
            }
            w.flush(&at("10:00"))?;
        }
        // 15:00 on time, 18:00 late; the watchdog looks at 17:00 between them.
        for (time_of_day, range) in [("15:00", 0..85), ("18:00", 85..93)] {
            if time_of_day == "18:00" {
                let now: Timestamp =
                    at("17:00").parse().map_err(|_| NationalError::Encode("time".into()))?;
                clock.set(now);
                let look = Look { since: Some(now.plus_seconds(-7 * 86_400)), ..Look::default() };
                // The day's reports are projected first, so the look's time is its own:
                // finding what came due, judging it and recording the misses.
                views.catch_up(w.gate.log(), None, 4_096, Commit::Deferred, |_| true)?;
                let started = std::time::Instant::now();
                let report = watchdog.look(&mut w.gate, &views, look)?;
                looks.push((started.elapsed().as_secs_f64(), report.examined.periods));
                misses += report.recorded.len() as u64;
            }
            for (i, commune) in communes.iter().enumerate() {
                if !range.contains(&outcome(i as u32, day)) {
                    continue;
                }
                let actor =
                    json!({"person": commune.head, "office": commune.office, "capacity": "direct"});
                let head = commune.head.clone();
                w.push(
                    &commune.task,
                    "report.filed",
                    &actor,
                    &at(time_of_day),
                    json!({
                    "report_kind": "periodic", "period": today,
                    "summary": "Không phát sinh ca mắc mới; đã kiểm soát chặt các chốt (mô phỏng).",
                    "attachments": []}),
                    &head,
                )?;
            }
            w.flush(&at(time_of_day))?;
        }
        // 19:00: the province inspectorate takes up a few communes that did not report.
        for (i, commune) in communes.iter().enumerate() {
            if outcome(i as u32, day) < 93
                || !mix(u64::from(day) << 20 ^ i as u64).is_multiple_of(40)
            {
                continue;
            }
            cases += 1;
            let p = commune.province;
            let inspectorate = format!("vn/t{p:02}/thanh-tra");
            let inspector = format!("chanh-thanh-tra-t{p:02}");
            let actor = json!({"person": inspector, "office": inspectorate, "capacity": "direct"});
            let case = format!("case:{inspectorate}:2021:kt-{cases:06}");
            w.push(&case, "inspection.conducted", &actor, &at("19:00"), json!({
                "team": "Đoàn kiểm tra của Thanh tra tỉnh (mô phỏng)",
                "subjects": [{"office": commune.office}],
                "findings": [{"place": commune.area, "description": "Không báo cáo đúng hạn (mô phỏng)."}],
                "cites": []}),
                &inspector)?;
            let violation = w.push(
                &case,
                "violation.recorded",
                &actor,
                &at("19:00"),
                json!({
                "against": {"office": commune.office}, "breach": {"task": commune.task},
                "finding": format!("UBND xã không gửi báo cáo ngày {today} (mô phỏng)."),
                "evidence": []}),
                &inspector,
            )?;
            w.push(
                &case,
                "sanction.imposed",
                &actor,
                &at("19:00"),
                json!({
                "violation": violation.to_string(), "against": {"person": commune.head},
                "ladder": "non_disciplinary", "sanction": "criticism",
                "reason": "Chủ tịch UBND xã chịu trách nhiệm về việc không báo cáo (mô phỏng)."}),
                &inspector,
            )?;
        }
        w.flush(&at("19:00"))?;
        end = at("19:00").parse().map_err(|_| NationalError::Encode("time".into()))?;
        views.catch_up(w.gate.log(), None, 4_096, Commit::Deferred, |_| true)?;
    }
    // The campaign ends: the directive is revoked, which ends every duty it gave (SPEC §7), so
    // the ledger owes nothing after its last day.
    let closing = format!("{}T20:00:00+07:00", &end.to_string()[..10]);
    w.push(
        DIRECTIVE,
        "directive.revoked",
        &chief,
        &closing,
        json!({
        "reason": "Kết thúc đợt báo cáo hằng ngày của Chỉ thị 16/CT-BCĐ (mô phỏng)."}),
        "truong-ban-bcd",
    )?;
    w.flush(&closing)?;
    end = closing.parse().map_err(|_| NationalError::Encode("time".into()))?;
    views.catch_up(w.gate.log(), None, 4_096, Commit::Durable, |_| true)?;
    Ok(National { gate: w.gate, views, clock, days: day, misses, end, looks })
}

#[cfg(test)]
mod tests {
    use super::*;
    use mandate_store::EmbeddedLog;

    #[test]
    fn a_small_country_verifies_replays_to_the_same_read_models_and_owes_what_its_plan_says() {
        let dir = tempfile::tempdir().unwrap();
        let log = EmbeddedLog::open(&dir.path().join("log.redb")).unwrap();
        let shape = Shape { provinces: 2, districts_per_province: 2, communes_per_district: 3 };
        let views = Views::in_memory().unwrap();
        let generated = generate(log, views, 3_000, shape, |_| {}).unwrap();
        assert!(generated.days > 60, "{} days", generated.days);
        let log = generated.gate.log();
        assert!(
            mandate_ledger::verify::verify_log(log, |_| {}).is_ok(),
            "the generated log verifies"
        );
        // The live read models equal a replay from zero.
        let replayed = Views::in_memory().unwrap();
        replayed.catch_up(log, None, 1_000, Commit::Durable, |_| true).unwrap();
        assert_eq!(replayed.digest().unwrap(), generated.views.digest().unwrap());
        // The misses the watchdog recorded are the plan's: a commune's day not met by 16:30,
        // and a district's monthly report not filed by its due day.
        let communes = 12u32;
        let mut expected = 0u64;
        for day in 1..=generated.days {
            expected += (0..communes).filter(|&c| outcome(c, day) >= 85).count() as u64;
        }
        let first = time::macros::date!(2021 - 07 - 01);
        for day in 1..=generated.days {
            let date = first + time::Duration::days(i64::from(day));
            // Assigned on the 1st, reported on the 6th (but for one in ten), due on the 8th.
            if date.day() == 6 && day > 7 && day + 2 <= generated.days {
                expected += (0..4u64)
                    .filter(|&i| mix(u64::from(day) << 36 | i).is_multiple_of(10))
                    .count() as u64;
            }
        }
        let recorded = log
            .read_from(1, usize::MAX)
            .unwrap()
            .iter()
            .filter(|e| {
                let body = mandate_model::body::decode_logged_body(&e.body).unwrap();
                matches!(body.data, mandate_model::event::EventData::DeadlineMissed { .. })
            })
            .count() as u64;
        assert_eq!(recorded, generated.misses);
        assert_eq!(recorded, expected, "misses recorded vs the plan's");
        // Nothing is owed after the campaign's end, by the full reading either.
        let watchdog = Watchdog::new(
            LEDGER,
            WATCHDOG_PERSON.parse().unwrap(),
            ADMIN_OFFICE.parse().unwrap(),
            demo_key(WATCHDOG_PERSON),
        );
        let later = generated.end.plus_seconds(400 * 86_400);
        assert!(watchdog.owed(&generated.views, later).unwrap().is_empty());
    }
}
