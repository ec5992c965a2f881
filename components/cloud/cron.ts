/**
 * Five-field cron expressions (minute hour day-of-month month day-of-week), the form Cloud Scheduler
 * accepts. Pipelines must deploy unchanged to both clouds, so expressions that EventBridge Scheduler
 * cannot represent are rejected here, once, for both: day-of-month and day-of-week both restricted, a
 * step in day-of-week, and a day-of-week range through Sunday written as 7 (EventBridge counts SUN=1,
 * so `5-7` would become the downward range `6-1`).
 */

interface Field {
  name: string;
  min: number;
  max: number;
  names?: string[];
}

const FIELDS: Field[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day-of-month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"] },
  { name: "day-of-week", min: 0, max: 7, names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] },
];

/** Returns undefined when `expr` is valid, otherwise the reason it is not. */
export function cronProblem(expr: string): string | undefined {
  const parts = expr.trim().split(/\s+/);
  if (parts.length !== 5) return `5 fields (minute hour day-of-month month day-of-week), got ${parts.length}`;
  for (let i = 0; i < 5; i++) {
    const problem = fieldProblem(parts[i], FIELDS[i]);
    if (problem) return problem;
  }
  if (parts[2] !== "*" && parts[4] !== "*") {
    return "day-of-month or day-of-week to be '*' (AWS EventBridge cannot restrict both)";
  }
  return undefined;
}

function fieldProblem(text: string, f: Field): string | undefined {
  for (const item of text.split(",")) {
    const [range, step, extra] = item.split("/");
    if (extra !== undefined || (step !== undefined && !/^[1-9]\d*$/.test(step))) return `${f.name} "${item}" to have one positive step`;
    if (f.name === "day-of-week" && step !== undefined) return `day-of-week "${item}" without a step (AWS EventBridge has none there; list the days)`;
    if (range === "*") continue;
    const bounds = range.split("-");
    if (bounds.length > 2) return `${f.name} "${item}" to be a value or a range`;
    const values = bounds.map((b) => value(b, f));
    if (values.some((v) => v === undefined))
      return `${f.name} values between ${f.min} and ${f.max}${f.names ? ` or ${f.names[0]}-${f.names[f.names.length - 1]}` : ""} in "${item}"`;
    if (values.length === 2 && values[0]! > values[1]!) return `${f.name} range "${range}" to go upwards`;
    if (f.name === "day-of-week" && values.length === 2 && values[1] === 7)
      return `day-of-week range "${range}" to end before Sunday as 7 (AWS EventBridge counts SUN=1; write ${throughSunday(values[0]!)})`;
  }
  return undefined;
}

/** The portable spelling of the day-of-week range `from-7` (through Sunday written as 7). */
function throughSunday(from: number): string {
  if (from <= 1) return `* (${from}-7 is every day)`;
  if (from === 7) return "0";
  return from === 6 ? "6,0" : `${from}-6,0`;
}

function value(token: string, f: Field): number | undefined {
  const named = f.names?.indexOf(token.toUpperCase()) ?? -1;
  if (named >= 0) return f.name === "month" ? named + 1 : named;
  if (!/^\d+$/.test(token)) return undefined;
  const n = Number(token);
  return n >= f.min && n <= f.max ? n : undefined;
}

/**
 * The same schedule in EventBridge Scheduler's six-field syntax: `cron(min hour dom month dow year)`,
 * where exactly one of day-of-month/day-of-week is `?` and day-of-week counts SUN=1..SAT=7.
 */
export function toAwsCron(expr: string): string {
  const problem = cronProblem(expr);
  if (problem) throw new Error(`invalid cron "${expr}": expected ${problem}`);
  const [min, hour, dom, month, dow] = expr.trim().split(/\s+/);
  const awsDow = dow === "*" ? "?" : dow.replace(/\d+/g, (d) => String((Number(d) % 7) + 1)); // 0 and 7 are both Sunday
  return `cron(${min} ${hour} ${dow === "*" ? dom : "?"} ${month} ${awsDow} *)`;
}

/** The values one valid field matches (`*`, lists, ranges, steps, names; 7 is Sunday as 0). */
function fieldValues(text: string, f: Field): Set<number> {
  const out = new Set<number>();
  for (const item of text.split(",")) {
    const [range, step] = item.split("/");
    let lo: number;
    let hi: number;
    if (range === "*") [lo, hi] = [f.min, f.max];
    else if (range.includes("-")) [lo, hi] = range.split("-").map((b) => value(b, f)!);
    else [lo, hi] = [value(range, f)!, step ? f.max : value(range, f)!]; // `5/15` runs from 5 to the end
    for (let v = lo; v <= hi; v += step ? Number(step) : 1) out.add(f.name === "day-of-week" ? v % 7 : v);
  }
  return out;
}

/**
 * The longest time between two consecutive starts of a valid expression, in seconds, over a year in
 * UTC (time zones shift starts by at most an hour at DST changes; callers add slack for that).
 * Standard cron: with both day fields restricted a day matches either; cronProblem forbids that anyway.
 */
export function cronLongestGapSeconds(expr: string): number {
  const problem = cronProblem(expr);
  if (problem) throw new Error(`invalid cron "${expr}": expected ${problem}`);
  const [minutes, hours, doms, months, dows] = expr
    .trim()
    .split(/\s+/)
    .map((t, i) => fieldValues(t, FIELDS[i]));
  const parts = expr.trim().split(/\s+/);
  const dayMatches = (d: Date) => months.has(d.getUTCMonth() + 1) && (parts[2] === "*" || doms.has(d.getUTCDate())) && (parts[4] === "*" || dows.has(d.getUTCDay()));
  const starts: number[] = [];
  const day0 = Date.UTC(2026, 0, 1);
  for (let day = 0; day < 366 + 31; day++) {
    const d = new Date(day0 + day * 86400_000);
    if (!dayMatches(d)) continue;
    for (const h of [...hours].sort((a, b) => a - b)) for (const m of [...minutes].sort((a, b) => a - b)) starts.push(d.getTime() / 1000 + h * 3600 + m * 60);
  }
  let longest = 0;
  for (let i = 1; i < starts.length; i++) longest = Math.max(longest, starts[i] - starts[i - 1]);
  return longest;
}
