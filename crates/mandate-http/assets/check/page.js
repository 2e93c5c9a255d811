// Mandate's offline bundle checker — the page: read the two files the inspector drops or
// picks, run MandateVerify.verify, show every check and the recomputed answer. Nothing here
// opens a connection: the page's Content-Security-Policy says `connect-src 'none'`.
"use strict";

(() => {
  const $ = (sel) => document.querySelector(sel);
  let lang = document.documentElement.lang === "en" ? "en" : "vi";
  const t = (vi, en) => (lang === "en" ? en : vi);
  const state = { bundle: null, bundleName: "", trust: null, trustName: "" };

  const NAMES = {
    format: ["Định dạng", "Format"], "trust file": ["Tệp khóa tin cậy", "Trust file"],
    "notary key": ["Khóa công chứng", "Notary key"], "checkpoint signature": ["Chữ ký điểm kiểm tra", "Checkpoint signature"],
    "witness cosignatures": ["Đồng ký của nhân chứng", "Witness cosignatures"], seal: ["Dấu niêm phong", "Seal"],
    "witness cosignatures of the map": ["Nhân chứng đồng ký bản đồ", "Witness cosignatures of the map"],
    "map note": ["Bản đồ luồng", "Map note"], "inclusion proofs": ["Bằng chứng có trong cây", "Inclusion proofs"],
    genesis: ["Sự kiện khởi tạo", "Genesis"], "administrator key": ["Khóa quản trị", "Administrator key"],
    "signatures and receipts": ["Chữ ký và biên nhận", "Signatures and receipts"], cut: ["Điểm cắt", "Cut"],
    window: ["Khoảng thời gian", "Window"], answer: ["Câu trả lời", "Answer"],
  };
  const label = (what) => {
    const n = NAMES[what];
    if (n) return t(n[0], n[1]);
    const m = /^(stream|event at position|signatures at position) (.*)$/.exec(what);
    if (!m) return what;
    const words = { stream: ["Luồng", "Stream"], "event at position": ["Sự kiện ở vị trí", "Event at position"], "signatures at position": ["Chữ ký ở vị trí", "Signatures at position"] }[m[1]];
    return `${t(words[0], words[1])} ${m[2]}`;
  };

  /** dd/mm/yyyy HH:MM at UTC+7, as every Mandate page writes times. */
  const human = (seconds) => {
    if (seconds === null || seconds === undefined) return "—";
    const d = new Date((seconds + 7 * 3600) * 1000).toISOString();
    return `${d.slice(8, 10)}/${d.slice(5, 7)}/${d.slice(0, 4)} ${d.slice(11, 16)}`;
  };
  const humanDay = (day) => (day ? `${day.slice(8, 10)}/${day.slice(5, 7)}/${day.slice(0, 4)}` : "—");

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs ?? {})) e.setAttribute(k, v);
    for (const c of children) e.append(c);
    return e;
  }

  const STANDING = {
    on_time: ["✓", "Đúng hạn", "On time"], late: ["◐", "Trễ hạn", "Late"], missing: ["✗", "Thiếu", "Missing"],
  };

  function showAnswer(a, box) {
    box.append(el("h2", {}, t("Câu trả lời, tính lại từ các sự kiện trong hồ sơ", "The answer, recomputed from the bundle's events")));
    box.append(el("p", { id: "answer-person" }, `${a.name} (${a.person}) — `,
      el("strong", { id: "answer-totals" }, t(`${a.onTime} đúng hạn, ${a.late} trễ hạn, ${a.missing} thiếu`, `${a.onTime} on time, ${a.late} late, ${a.missing} missing`)),
      ` · ${t("đến", "up to")} ${human(a.to)}${a.from === null ? "" : ` ${t("từ", "from")} ${human(a.from)}`}`));
    for (const tenure of a.tenures) {
      const sec = el("section", { class: "tenure" });
      sec.append(el("h3", {}, `${tenure.title} — ${tenure.office}`),
        el("p", {}, `${t("Từ", "From")} ${human(tenure.from)} ${t("đến", "until")} ${tenure.until === null ? t("nay (đến điểm cắt)", "now (up to the cut)") : human(tenure.until)}`));
      for (const task of tenure.tasks) {
        sec.append(el("h4", {}, `${t("Nhiệm vụ", "Task")} ${task.item} · ${task.document.split(":").pop()} — ${t(`${task.onTime} đúng hạn, ${task.late} trễ, ${task.missing} thiếu`, `${task.onTime} on time, ${task.late} late, ${task.missing} missing`)}`),
          el("p", { class: "content" }, task.content));
        if (task.periods.length) {
          const rows = task.periods.map((p) => {
            const [sym, vi, en] = STANDING[p.standing];
            return el("tr", { class: p.standing },
              el("td", {}, p.period ? humanDay(p.period) : t("Hạn chót", "Deadline")),
              el("td", {}, human(p.due)),
              el("td", {}, p.report ? human(p.report.at) : "—"),
              el("td", {}, `${sym} ${t(vi, en)}`),
              el("td", {}, p.miss ? "deadline.missed" : ""));
          });
          sec.append(el("table", { class: "periods" },
            el("thead", {}, el("tr", {}, ...[t("Ngày", "Day"), t("Hạn", "Due"), t("Ghi nhận lúc", "Recorded at"), t("Kết quả", "Standing"), t("Ghi nhận bị lỡ", "Miss")].map((h) => el("th", { scope: "col" }, h)))),
            el("tbody", {}, ...rows)));
        }
      }
      box.append(sec);
    }
    const cases = [...a.tenures.flatMap((x) => [...x.violations, ...x.sanctions]), ...a.personalViolations, ...a.personalSanctions];
    if (cases.length) {
      box.append(el("h3", {}, t("Vi phạm và kỷ luật", "Violations and sanctions")),
        el("ul", { id: "answer-cases" }, ...cases.map((c) => el("li", {}, c.sanction
          ? `${human(c.occurred)} · ${t("kỷ luật", "sanction")} ${c.sanction}${c.appeals.length ? ` · ${t("đã khiếu nại", "appealed")}` : ""}${c.revised ? ` · ${t("sửa thành", "revised to")} ${c.revised.to}` : ""}`
          : `${human(c.occurred)} · ${t("vi phạm", "violation")}: ${c.finding}${c.withdrawn ? ` · ${t("đã rút", "withdrawn")}` : ""}`))));
    }
  }

  let runs = 0;
  async function run() {
    const mine = ++runs;
    const out = $("#result");
    out.replaceChildren();
    if (state.bundle === null || state.trust === null) {
      out.append(el("p", { class: "hint" }, t("Hãy chọn cả hồ sơ kiểm chứng (.json) và tệp khóa tin cậy (.txt).", "Choose both the audit bundle (.json) and the trust file (.txt).")));
      return;
    }
    const witnessText = $("#witnesses").value.trim();
    let trustedWitnesses = 0;
    try {
      trustedWitnesses = MandateBundle.trust(state.trust, "").witnesses.length;
    } catch {
      // verify() names what is wrong with the trust file.
    }
    const witnesses = witnessText === "" ? trustedWitnesses : Number(witnessText);
    if (!Number.isSafeInteger(witnesses) || witnesses < 0) {
      out.append(el("p", { class: "fail" }, t("Số nhân chứng phải là số nguyên không âm.", "The number of witnesses must be a whole number.")));
      return;
    }
    const started = performance.now();
    const v = await MandateVerify.verifyAsync(state.bundle, state.trust, witnesses);
    const ms = performance.now() - started;
    if (mine !== runs) return; // a later check replaced this one
    const first = v.checks.find((c) => !c.ok);
    out.append(el("p", { id: "verdict", class: v.ok ? "ok" : "fail", "data-ok": String(v.ok) },
      v.ok ? `✓ ${t("Mọi kiểm tra đều đạt", "Every check passed")}` : `✗ ${t("Không đạt", "Failed")}: ${label(first.what)} — ${first.detail}`));
    out.append(el("p", { class: "meta" }, `${state.bundleName} · ${t("kiểm tra", "checked")} ${v.checks.length} ${t("mục trong", "items in")} ${(ms / 1000).toFixed(2)} s · ${t("điểm kiểm tra", "checkpoint")} ${v.checkpointSize} · Ed25519: ${MandateCrypto.engine.webCrypto ? t("WebCrypto của trình duyệt, sau các kiểm tra nghiêm ngặt của trang", "the browser's WebCrypto, after the page's strict checks") : t("JavaScript của trang", "the page's JavaScript")}`));
    const list = el("ol", { id: "checks" });
    for (const c of v.checks) {
      list.append(el("li", { class: c.ok ? "ok" : "fail" }, el("span", { class: "sym", "aria-hidden": "true" }, c.ok ? "✓" : "✗"),
        el("span", { class: "sr" }, c.ok ? t("đạt", "passed") : t("không đạt", "failed")), el("strong", {}, label(c.what)), ` — ${c.detail}`));
    }
    out.append(list);
    if (v.answer && v.ok) showAnswer(v.answer, out);
    out.dataset.done = "1";
  }

  function take(name, text) {
    if (text.trimStart().startsWith("{")) { state.bundle = text; state.bundleName = name; $("#bundle-name").textContent = name; }
    else { state.trust = text; state.trustName = name; $("#trust-name").textContent = name; }
  }
  async function read(files) {
    for (const f of files) take(f.name, await f.text());
    run();
  }

  function relabel() {
    document.documentElement.lang = lang;
    for (const e of document.querySelectorAll("[data-vi]")) e.textContent = lang === "en" ? e.dataset.en : e.dataset.vi;
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("#bundle-file").addEventListener("change", (e) => read(e.target.files));
    $("#trust-file").addEventListener("change", (e) => read(e.target.files));
    $("#witnesses").addEventListener("change", run);
    $("#check").addEventListener("click", run);
    $("#lang").addEventListener("click", () => { lang = lang === "en" ? "vi" : "en"; relabel(); if ($("#result").dataset.done) run(); });
    const zone = $("#drop");
    zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
    zone.addEventListener("dragleave", () => zone.classList.remove("over"));
    zone.addEventListener("drop", (e) => { e.preventDefault(); zone.classList.remove("over"); read(e.dataTransfer.files); });
    relabel();
  });

  // For scripts that check many bundles at once (the browser tests do): what the page runs,
  // and the same in plain JavaScript only.
  window.mandateCheck = (bundleText, trustText, witnesses) => MandateVerify.verifyAsync(bundleText, trustText, witnesses);
  window.mandateCheckPlain = (bundleText, trustText, witnesses) => {
    MandateBundle.forget();
    return MandateVerify.verify(bundleText, trustText, witnesses);
  };
})();
