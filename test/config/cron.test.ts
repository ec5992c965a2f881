import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cronProblem, toAwsCron } from "../../components/cloud/cron";

describe("cron validation", () => {
  for (const ok of ["0 */6 * * *", "30 2 * * *", "0 4 * * MON-FRI", "*/15 8-18 * * 1-5", "0 0 1 JAN,JUL *", "0 3 * * 7", "5,35 * * * *"]) {
    it(`accepts "${ok}"`, () => assert.equal(cronProblem(ok), undefined));
  }
  const bad: [string, RegExp][] = [
    ["0 3 * *", /5 fields/],
    ["60 3 * * *", /minute values between 0 and 59/],
    ["0 24 * * *", /hour values between 0 and 23/],
    ["0 3 0 * *", /day-of-month values between 1 and 31/],
    ["0 3 * 13 *", /month values between 1 and 12/],
    ["0 3 * * FUNDAY", /day-of-week/],
    ["*/0 * * * *", /positive step/],
    ["0 5-3 * * *", /upwards/],
    ["0 3 1 * 1", /AWS EventBridge/],
    ["0 4 * * */2", /day-of-week "\*\/2" without a step/],
    ["0 4 * * 1-5/2", /without a step/],
    ["0 4 * * 5-7", /end before Sunday as 7 .*write 5-6,0\)/],
    // The advice fits the range: 1-7 is every day, 6-7 is Saturday and Sunday.
    ["0 4 * * 1-7", /write \* \(1-7 is every day\)/],
    ["0 4 * * 6-7", /write 6,0\)/],
    ["0 4 * * 7-7", /write 0\)/],
  ];
  for (const [expr, why] of bad) {
    it(`rejects "${expr}"`, () => assert.match(cronProblem(expr) ?? "(accepted)", why));
  }
  it("the advice for a range through 7 is itself accepted and means the same days on AWS", () => {
    for (const [range, advice] of [
      ["5-7", "5-6,0"],
      ["6-7", "6,0"],
      ["7-7", "0"],
      ["1-7", "*"],
    ]) {
      assert.ok(cronProblem(`0 4 * * ${range}`)?.includes(`write ${advice}`), range);
      assert.equal(cronProblem(`0 4 * * ${advice}`), undefined, advice);
    }
  });
});

describe("EventBridge cron", () => {
  it("puts ? in day-of-week when day-of-month is used, and adds the year", () => {
    assert.equal(toAwsCron("0 */6 * * *"), "cron(0 */6 * * ? *)");
  });
  it("moves day-of-week to AWS numbering (SUN=1) and puts ? in day-of-month", () => {
    assert.equal(toAwsCron("0 4 * * 1-5"), "cron(0 4 ? * 2-6 *)");
    assert.equal(toAwsCron("0 4 * * 0,7"), "cron(0 4 ? * 1,1 *)");
    assert.equal(toAwsCron("0 4 * * 5-6,0"), "cron(0 4 ? * 6-7,1 *)");
    assert.equal(toAwsCron("0 4 * * MON"), "cron(0 4 ? * MON *)");
  });
  it("refuses an invalid expression", () => {
    assert.throws(() => toAwsCron("0 25 * * *"), /invalid cron/);
  });
});
