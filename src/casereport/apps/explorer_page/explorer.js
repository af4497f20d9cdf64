// The explorer's page logic: draw the linked views, and answer a brushed range and a clicked staging.
//
// The dashboard answers both in Python; this file has no Python behind it, so the page
// summarises a range itself, over records Python prepared (derive/range_records.py), with
// the arithmetic of derive/summary.py: per analyte the first, last, lowest and highest value
// and the worst CTCAE grade on treatment; per drug the planned doses. A staging's findings
// come ready-made from Python (the dashboard's own panel), one per staging.

const read = (id) => JSON.parse(document.getElementById(id).textContent);
const spec = read("casereport-spec");
const page = read("casereport-data");
const summary = document.querySelector(".casereport-summary");
const findings = document.querySelector(".casereport-findings");
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

// Where a record sits on the axis, read as the charts read their dates (local time, as Vega does).
const at = (x) => (typeof x === "string" ? Date.parse(x) : x);
for (const record of [...page.labs, ...page.doses]) record.at = at(record.x);

function within(records, range) {
  if (!range) return records;
  const [low, high] = range;
  return records.filter((r) => r.at >= low && r.at <= high);
}

function groups(records, key) {
  const found = new Map();
  for (const r of records) {
    if (!found.has(r[key])) found.set(r[key], []);
    found.get(r[key]).push(r);
  }
  return [...found.values()];
}

const extreme = (records, better) => records.reduce((kept, r) => (better(r.value, kept.value) ? r : kept));

function labRows(records) {
  return groups(records, "loinc").map((values) => {
    const first = values[0];
    const last = values[values.length - 1];
    const grades = values.map((r) => r.grade).filter((g) => g !== null);
    return {
      analyte: first.analyte,
      values: String(values.length),
      first: first.text,
      first_when: first.when,
      last: last.text,
      last_when: last.when,
      lowest: extreme(values, (a, b) => a < b).text,
      highest: extreme(values, (a, b) => a > b).text,
      worst_grade: grades.length ? `grade ${Math.max(...grades)}` : "not graded",
      illustrative_values: String(values.filter((r) => r.provenance === "illustrative").length),
    };
  });
}

function doseRows(records) {
  return groups(records, "drug").map((planned) => {
    const cycles = [...new Set(planned.map((r) => r.cycle).filter((c) => c !== null))].sort((a, b) => a - b);
    const first = planned.reduce((kept, r) => (r.first < kept.first ? r : kept));
    const last = planned.reduce((kept, r) => (r.last > kept.last ? r : kept));
    const toIllustrativeEnd = planned.some((r) => r.illustrative_end) && planned.some((r) => r.last_planned_day);
    return {
      drug: planned[0].drug,
      planned_at_most: String(planned.length),
      planned_possible: String(planned.filter((r) => r.possible).length),
      cycles: cycles.join(", ") || "(continuous)",
      first_when: first.first_when,
      last_when: last.last_when,
      note: page.notes.planned + (toIllustrativeEnd ? page.notes.illustrative_end : ""),
    };
  });
}

function element(tag, attributes = {}, text = null) {
  const made = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) made.setAttribute(name, value);
  if (text !== null) made.textContent = text;
  return made;
}

function table(columns, rows, empty) {
  if (!rows.length) return element("p", {}, empty);
  const out = element("table", { class: "casereport-table" });
  const head = out.createTHead().insertRow();
  for (const [, title] of columns) head.append(element("th", { scope: "col" }, title));
  const body = out.createTBody();
  for (const row of rows) {
    const line = body.insertRow();
    for (const [key] of columns) line.append(element("td", { "data-key": key }, row[key]));
  }
  return out;
}

const pad = (n) => String(n).padStart(2, "0");
const day = (ms) => {
  const d = new Date(ms);
  return `${d.getDate()} ${MONTHS[d.getMonth()]} ${d.getFullYear()}`;
};
// A bound as Python reads it back (local time, as the records' dates), for whoever checks this page.
const stamp = (ms) => {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
};

function showSummary(range) {
  const labs = labRows(within(page.labs, range));
  const doses = doseRows(within(page.doses, range));
  let heading = "Whole course (brush the timeline to narrow):";
  if (range) {
    const calendar = page.axis === "calendar";
    heading = calendar
      ? `Range: ${day(range[0])} to ${day(range[1])}`
      : `Range: day ${range[0].toFixed(0)} to day ${range[1].toFixed(0)}`;
    summary.dataset.from = calendar ? stamp(range[0]) : String(range[0]);
    summary.dataset.to = calendar ? stamp(range[1]) : String(range[1]);
  } else {
    delete summary.dataset.from;
    delete summary.dataset.to;
  }
  const parts = [element("h4", {}, heading)];
  if (labs.some((row) => row.illustrative_values !== "0")) {
    const note = element("p", { class: "casereport-illustrative" });
    note.append("Some values in this range are illustrative, not measured (column ", element("i", {}, "illustrative"), ").");
    parts.push(note);
  }
  parts.push(table(page.columns.labs, labs, "No lab values in this range."));
  parts.push(table(page.columns.doses, doses, "No doses in this range."));
  summary.replaceChildren(...parts);
}

// The brush's value is {field: [low, high]} (dates for a time axis), or empty once cleared.
function brushed(value) {
  const bounds = value ? Object.values(value)[0] : null;
  if (!Array.isArray(bounds) || bounds.length !== 2) return null;
  return bounds.map(Number).sort((a, b) => a - b);
}

const buttons = new Map();
function showStaging(id) {
  const staging = page.stagings.find((s) => s.id === id);
  if (!staging) return;
  findings.innerHTML = staging.html; // written and escaped by Python (the dashboard's staging panel)
  findings.dataset.staging = id;
  for (const [shown, button] of buttons) button.setAttribute("aria-pressed", String(shown === id));
}

const choices = document.querySelector(".casereport-staging-buttons");
for (const staging of page.stagings) {
  const button = element("button", { type: "button", title: staging.label, "aria-pressed": "false" }, staging.when);
  button.addEventListener("click", () => showStaging(staging.id));
  buttons.set(staging.id, button);
  choices.append(button);
}

showSummary(null);
if (page.stagings.length) {
  showStaging(page.stagings[page.stagings.length - 1].id); // the latest, until another is chosen
} else {
  findings.replaceChildren(element("p", {}, "No staging with findings."));
}

const { view } = await window.vegaEmbed("#casereport-chart", spec, { renderer: "svg", actions: false });
view.addSignalListener(page.brush, (_, value) => showSummary(brushed(value)));
// A click on a staging's mark: its id is in the point selection's store (a double-click clears it,
// and the findings shown stay, as on the dashboard).
view.addSignalListener(page.pick, () => {
  const picked = (view.data(`${page.pick}_store`) ?? []).flatMap((entry) => entry.values ?? []);
  const chosen = picked.find((id) => buttons.has(id));
  if (chosen) showStaging(chosen);
});
document.body.dataset.explorer = "ready";
