// Mandate's offline bundle checker — the accountability answer recomputed from a bundle's
// verified events alone: the person's positions, the tasks each position answers for, and
// every period of those tasks judged on time, late or missing by the gate's `recorded_at`
// (SPEC §7). Written from SPEC.md and BUNDLE.md §4; the same fold the read models make.
"use strict";

const MandateAnswer = (() => {
  const DAY = 86400;
  const offsetSeconds = (text) => {
    const m = /^([+-])(\d{2}):(\d{2})$/.exec(text ?? "");
    return m ? (m[1] === "-" ? -1 : 1) * (+m[2] * 3600 + +m[3] * 60) : null;
  };
  /** The local day (YYYY-MM-DD) of instant `t` at `offset` seconds east of UTC. */
  const dayAt = (t, offset) => new Date((t + offset) * 1000).toISOString().slice(0, 10);
  /** The instant of `time` (HH:MM) on `day` at `offset`. */
  const at = (day, time, offset) => Date.parse(`${day}T${time}:00Z`) / 1000 - offset;
  const nextDay = (day) => new Date(Date.parse(`${day}T00:00:00Z`) + DAY * 1000).toISOString().slice(0, 10);
  const instant = (text) => MandateBundle.instant(text);

  const HEADS = new Set(["head", "acting_head"]);

  /** Whether a tenure answers for an assignee (the office as a whole falls on its head). */
  function answersFor(tenure, assignee) {
    if (tenure.office !== assignee.office) return false;
    if (assignee.position !== undefined) {
      return tenure.role === assignee.position && (assignee.in_charge_of === undefined || tenure.inChargeOf === assignee.in_charge_of);
    }
    return HEADS.has(tenure.role);
  }

  /**
   * Folds the events (log order, each with `body`, `id`, `at` = its receipt's recorded_at)
   * into the answer for `person` over [from, to] (seconds; `from` null for no start).
   */
  function recompute(events, person, from, to) {
    const personEvent = events.find((e) => e.body.kind === "person.registered" && e.body.stream === `person:${person}`);
    if (!personEvent) throw new Error("the bundle does not register the person");
    const start = from ?? 0;
    const tenures = [];
    const tasks = new Map();
    const docTasks = new Map();
    const reports = new Map();
    const misses = new Map();
    const violations = [];
    const sanctions = [];
    const genesis = events.find((e) => e.body.kind === "ledger.established");
    const ledgerOffset = offsetSeconds(genesis?.body.data.utc_offset) ?? 7 * 3600;
    for (const e of events) {
      const b = e.body, d = b.data, key = b.stream.slice(b.stream.indexOf(":") + 1);
      switch (b.kind) {
        case "position.assigned":
          if (d.person === person) tenures.push({ office: key, role: d.role, title: d.title, inChargeOf: d.in_charge_of, from: instant(d.from), fromText: d.from, until: null, untilText: null, events: [e.id] });
          break;
        case "position.ended": {
          const open = tenures.filter((t) => t.office === key && t.role === d.role && d.person === person && t.until === null);
          const t = open.sort((x, y) => x.from - y.from)[open.length - 1];
          if (t) { t.until = instant(d.until); t.untilText = d.until; t.events.push(e.id); }
          break;
        }
        case "task.assigned":
          tasks.set(b.stream, { stream: b.stream, document: d.document, item: d.item, content: d.content, assignees: d.assignees, obligation: d.obligation, assignedAt: e.at, completedAt: null, endedAt: null, completion: null, events: [e.id] });
          if (!docTasks.has(d.document)) docTasks.set(d.document, []);
          docTasks.get(d.document).push(b.stream);
          break;
        case "task.completed": {
          const t = tasks.get(b.stream);
          if (t) { if (t.completedAt === null) { t.completedAt = e.at; } t.events.push(e.id); t.completion = e.id; }
          break;
        }
        case "directive.revoked":
          for (const s of docTasks.get(b.stream) ?? []) {
            const t = tasks.get(s);
            if (t.endedAt === null) t.endedAt = e.at;
          }
          break;
        case "report.filed":
          if (!reports.has(b.stream)) reports.set(b.stream, []);
          reports.get(b.stream).push({ id: e.id, period: d.period ?? null, at: e.at, recordedAt: e.recordedAt, position: e.position });
          break;
        case "deadline.missed":
          misses.set(`${d.task}\n${d.period ?? ""}`, { id: e.id, at: e.at });
          break;
        case "violation.recorded":
          violations.push({ id: e.id, case: b.stream, against: d.against, breach: d.breach, finding: d.finding, occurred: instant(b.occurred_at), occurredAt: b.occurred_at, withdrawn: null });
          break;
        case "violation.withdrawn": {
          const v = violations.find((x) => x.id === d.violation);
          if (v && v.withdrawn === null) v.withdrawn = e.id;
          break;
        }
        case "sanction.imposed":
          sanctions.push({ id: e.id, case: b.stream, against: d.against, violation: d.violation, sanction: d.sanction, ladder: d.ladder, occurred: instant(b.occurred_at), occurredAt: b.occurred_at, appeals: [], revised: null });
          break;
        case "sanction.appealed": {
          const x = sanctions.find((y) => y.id === d.sanction);
          if (x) x.appeals.push(e.id);
          break;
        }
        case "sanction.revised": {
          const x = sanctions.find((y) => y.id === d.sanction);
          if (x) x.revised = { id: e.id, to: d.revised_to };
          break;
        }
        default:
      }
    }
    tenures.sort((x, y) => x.from - y.from || (x.office < y.office ? -1 : x.office > y.office ? 1 : 0));
    const covers = (t, when) => t.from <= when && (t.until === null || when < t.until);
    const answer = { person, personEvent: personEvent.id, name: personEvent.body.data.full_name, from, to, tenures: [], onTime: 0, late: 0, missing: 0, periods: [], personalViolations: [], personalSanctions: [] };
    for (const tenure of tenures) {
      if (!(tenure.from <= to && (tenure.until === null || start < tenure.until))) continue;
      const windowTo = tenure.until === null ? to : Math.min(tenure.until, to);
      const line = { ...tenure, tasks: [] };
      for (const task of [...tasks.values()].sort((x, y) => (x.stream < y.stream ? -1 : 1))) {
        if (task.assignedAt > windowTo) continue;
        const assignee = task.assignees.find((a) => a.office === tenure.office);
        if (!assignee || !answersFor(tenure, assignee)) continue;
        const periods = periodsOf(task, start, to, reports.get(task.stream) ?? [], misses, ledgerOffset)
          .filter((p) => covers(tenure, p.due) && p.due >= start && p.due <= to);
        const count = (s) => periods.filter((p) => p.standing === s).length;
        const t = { stream: task.stream, item: task.item, content: task.content, document: task.document, role: assignee.role, obligation: task.obligation.type, periods, onTime: count("on_time"), late: count("late"), missing: count("missing") };
        answer.onTime += t.onTime; answer.late += t.late; answer.missing += t.missing;
        answer.periods.push(...periods);
        line.tasks.push(t);
      }
      answer.tenures.push(line);
    }
    // Violations and sanctions (the read models' oversight): against the person, or against an
    // office while they headed it.
    const isPerson = (subject) => subject.person === person;
    const heads = (tenure, subject, when) => HEADS.has(tenure.role) && subject.office === tenure.office && covers(tenure, when) && when >= start;
    const within = (x) => x.occurred <= to;
    for (const line of answer.tenures) {
      line.violations = violations.filter((v) => within(v) && heads(line, v.against, v.occurred));
      line.sanctions = sanctions.filter((x) => within(x) && heads(line, x.against, x.occurred));
    }
    answer.personalViolations = violations.filter((v) => within(v) && isPerson(v.against) && v.occurred >= start);
    answer.personalSanctions = sanctions.filter((x) => within(x) && isPerson(x.against) && x.occurred >= start);
    return answer;
  }

  /** SPEC §7's periods of `task` that fell due by `now` (and from `from`), judged. */
  function periodsOf(task, from, now, reports, misses, ledgerOffset) {
    const out = [];
    const judge = (period, due, first) => {
      const miss = misses.get(`${task.stream}\n${period ?? ""}`);
      return {
        task: task.stream, period, due, standing: first === null ? "missing" : first.at <= due ? "on_time" : "late",
        report: first, miss: miss && miss.at <= now ? miss : null,
      };
    };
    const o = task.obligation;
    if (o.type === "deadline") {
      const due = instant(o.due_at);
      const endedBefore = task.endedAt !== null && task.endedAt < due;
      if (due <= now && !endedBefore && due >= from) {
        let first = null;
        for (const r of reports) if (r.at <= now && (first === null || r.at < first.at)) first = r;
        if (task.completedAt !== null && task.completedAt <= now && (first === null || task.completedAt < first.at)) {
          first = { id: task.completion, at: task.completedAt };
        }
        out.push(judge(null, due, first));
      }
    } else if (o.type === "recurring" && o.reported === true) {
      const offset = offsetSeconds(o.utc_offset) ?? ledgerOffset;
      const early = dayAt(from - DAY, offset);
      let day = o.starts_on > early ? o.starts_on : early;
      const byPeriod = new Map();
      for (const r of reports) {
        if (r.at > now || r.period === null) continue;
        const slot = byPeriod.get(r.period);
        if (!slot || r.at < slot.at) byPeriod.set(r.period, r);
      }
      for (;;) {
        if (o.ends_on !== undefined && day > o.ends_on) break;
        const due = at(day, o.due_time, offset);
        if (due > now || (task.completedAt !== null && task.completedAt < due) || (task.endedAt !== null && task.endedAt < due)) break;
        if (due >= from) out.push(judge(day, due, byPeriod.get(day) ?? null));
        day = nextDay(day);
      }
    }
    return out;
  }

  return { recompute, dayAt };
})();
