// The pilot's provision-on-demand, against the Graph fake: Graph answers 200 for every outcome
// (entra-goto-facts F9, [S42]), so the verdict is read from the JSON texts of its answer. The one
// guessed spelling ("Failure") is not what the verdict rests on: any result but Success, or Skipped
// as RedundantExport, fails the same way (tested with two spellings).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CONNECTOR_RULE_ID, GraphFake, connectorTemplate } from "./fakes/graphFake";
import {
  type ProvisionOnDemandInputs,
  parseAnswer,
  provisionOnDemandProvider as p,
  verdict,
} from "../providers/provisionOnDemand";

const USER = "9bb0f679-a883-4a6f-8260-35b491b8b8c8";

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected the call to fail");
}

describe("ProvisionOnDemand", () => {
  let fake: GraphFake;
  let failing: GraphFake;
  let sp: string;
  let jobId: string;
  const inputs = (extra: Partial<ProvisionOnDemandInputs> = {}): ProvisionOnDemandInputs => ({
    servicePrincipalId: sp,
    jobId,
    ruleId: CONNECTOR_RULE_ID,
    objectId: USER,
    ready: true,
    ...extra,
  });
  const configure = (f: GraphFake) =>
    p.configure!({
      config: {
        get: (k: string) =>
          ({
            graphApiUrl: f.url,
            graphAccessToken: f.token,
            apiTimeoutSeconds: "2",
            apiRetryBudgetSeconds: "3",
            apiRetryBaseSeconds: "0.01",
          })[k],
        require: () => "",
      },
    });
  beforeAll(async () => {
    fake = await GraphFake.start({ provisionOnDemandRateLimit: false });
    failing = await GraphFake.start({
      provisionOnDemandRateLimit: false,
      provisionOnDemandFailureResult: "Failed",
    });
  });
  afterAll(async () => {
    await fake.stop();
    await failing.stop();
  });
  beforeEach(async () => {
    await configure(fake);
    sp = fake.addServicePrincipal({ templates: [connectorTemplate("gotomeeting")] });
    jobId = fake.addJob(sp, "GoToMeeting");
    fake.resetRequests();
  });

  it("waits without a call until Test Connection passed, and tries again on the next up", async () => {
    const res = await p.create(inputs({ ready: false }));
    expect(res.outs).toMatchObject({ result: "Waiting", ranAt: "" });
    expect(fake.requests).toEqual([]);
    expect(await p.diff!("id", res.outs!, inputs({ ready: false }))).toEqual({
      changes: true,
      replaces: [],
    });
  });

  it("provisions the pilot once, reading Success from the answer's JSON text", async () => {
    fake.scriptProvisionOnDemand(USER, "Success");
    const res = await p.create(inputs());
    expect(res.outs).toMatchObject({ result: "Success", errorCode: "", action: "Create" });
    expect(res.outs!.steps.at(-1)).toMatchObject({ type: "Export", status: "Success" });
    expect(fake.provisionOnDemandCalls).toHaveLength(1);
    expect(fake.requests.map((r) => r.body)).toEqual([
      {
        parameters: [
          { ruleId: CONNECTOR_RULE_ID, subjects: [{ objectId: USER, objectTypeName: "User" }] },
        ],
      },
    ]);
    // Done: the next up has nothing to do.
    expect(await p.diff!("id", res.outs!, inputs())).toEqual({ changes: false, replaces: [] });
  });

  it("takes 'Skipped' as RedundantExport (already in sync) as success, as [S42]'s sample shows it", async () => {
    fake.scriptProvisionOnDemand(USER, "Skipped");
    const res = await p.create(inputs());
    expect(res.outs).toMatchObject({ result: "Skipped", errorCode: "RedundantExport" });
  });

  it.each([
    ["the fake's default spelling", "Failure"],
    ["another spelling", "Failed"],
  ])("fails the deployment with the step that failed (%s)", async (_what, spelling) => {
    const f = spelling === "Failure" ? fake : failing;
    await configure(f);
    const s = f.addServicePrincipal({ templates: [connectorTemplate("gotomeeting")] });
    const j = f.addJob(s, "GoToMeeting");
    f.scriptProvisionOnDemand(USER, spelling === "Failure" ? "Failure" : "Failure");
    const err = await failureOf(p.create(inputs({ servicePrincipalId: s, jobId: j })));
    expect(err.message).toMatch(
      new RegExp(
        `^Provisioning the pilot user ${USER} on demand did not succeed: result ${spelling}.* at step "EntryExportAdd" \\(Export\\): Failed to create User`,
      ),
    );
    expect(err.message).toContain("run pulumi up again to retry the pilot");
  });

  it("reads the answer's two JSON texts strictly: an unreadable verdict is an error, not a success", () => {
    expect(() => parseAnswer({ key: "{not json", value: "{}" })).toThrow("key is not valid JSON");
    expect(() => parseAnswer({ value: [] })).toThrow("key is not JSON text");
    expect(() => parseAnswer({ key: JSON.stringify({ details: {} }), value: "{}" })).toThrow(
      "key has no result",
    );
    // A `value` of "{}" is documented ([S42]) and carries no steps.
    expect(
      parseAnswer({ key: JSON.stringify({ result: "Success", details: {} }), value: "{}" }),
    ).toEqual({
      result: "Success",
      errorCode: "",
      errorMessage: "",
      action: "",
      steps: [],
    });
    expect(
      verdict(
        {
          result: "Skipped",
          errorCode: "NotEffectivelyEntitled",
          errorMessage: "out of scope",
          action: "",
          steps: [],
        },
        USER,
      ),
    ).toContain("result Skipped (NotEffectivelyEntitled: out of scope)");
  });

  it("retries an answer that is cut off or not JSON (provisioning one user again is harmless)", async () => {
    fake.scriptProvisionOnDemand(USER, "Success", "Success");
    fake.inject({ method: "POST", path: "/provisionOnDemand", kind: "truncated-json" });
    const res = await p.create(inputs());
    expect(res.outs!.result).toBe("Success");
    expect(fake.requests.map((r) => r.status)).toEqual([200, 200]);
  });

  it("check refuses a missing rule, a bad user id and a job id that would leave the path", async () => {
    const bad = inputs({ ruleId: "", objectId: "pilot@contoso.com", jobId: ".." });
    expect((await p.check!(bad, bad)).failures?.map((f) => f.property)).toEqual([
      "jobId",
      "ruleId",
      "objectId",
    ]);
  });
});
