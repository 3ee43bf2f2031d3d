// Throughput of the GoToMeetingUser provider under GoTo's default rate limit: the fake enforces
// 10 requests/s (token bucket) with 20 ms latency, and the provider creates then reads 200 users
// concurrently, as the engine runs resource operations in one provider process. The goal is at
// least 90% of the allowed rate with zero 429, and the minimum calls per operation. A create without
// a declared displayName is two calls: the POST carries a one-time marker in displayName (the only
// proof of ownership GoTo's identity API allows after a lost answer) and a PATCH removes it.
// Run: npx ts-node --transpile-only bench/goto.ts
import {
  GoToMeetingUserInputs,
  GoToMeetingUserOutputs,
  goToMeetingUserProvider,
} from "../providers/goToMeetingUser";
import { DEFAULT_ACCOUNT, GoToFake } from "../test/fakes/gotoFake";

export interface GoToBenchResult {
  users: number;
  allowedRequestsPerSecond: number;
  latencyMs: number;
  /** API requests of the create-then-read run (200 × (POST + marker PATCH) + 200 reads). */
  requests: number;
  /** Wall time of that run, from the first create to the last read answer. */
  seconds: number;
  achievedRequestsPerSecond: number;
  /**
   * achieved / allowed; the target is >= 0.9. N requests paced 1/rps apart span only N-1 intervals
   * (plus one latency), so a perfectly paced run reads a hair above 1.0.
   */
  fractionOfAllowedRate: number;
  /** 429 answers over the whole benchmark; the target is 0. */
  count429: number;
  /** API requests per provider operation, measured one at a time. */
  callsPerOperation: {
    create: number;
    read: number;
    update: number;
    delete: number;
    adopt: number;
  };
  /** Variants not in callsPerOperation (bench/calls.ts lists that one's minimums). */
  otherCalls: {
    /** A create that declares displayName: no marker, one POST. */
    createWithDisplayName: number;
    /** A create with licenseKeys: GET /me and /licenses (checked first), POST + PATCH, then the
     *  Admin-API lookup and its POST. */
    createWithLicences: number;
  };
}

const provider = goToMeetingUserProvider as Required<typeof goToMeetingUserProvider>;

export async function benchGoTo(users = 200): Promise<GoToBenchResult> {
  const allowed = 10;
  const latencyMs = 20;
  const fake = await GoToFake.start({ requestsPerSecond: allowed, latencyMs });
  try {
    const config: Record<string, string> = {
      gotoApiUrl: fake.url,
      gotoAdminApiUrl: fake.adminUrl,
      gotoAccessToken: fake.token,
      gotoRequestsPerSecond: String(allowed),
    };
    await provider.configure({
      config: {
        get: (k) => config[k],
        require: (k) => {
          if (config[k] === undefined) throw new Error(`missing ${k}`);
          return config[k];
        },
      },
    });

    const inputs: GoToMeetingUserInputs[] = Array.from({ length: users }, (_, i) => ({
      userName: `bench.user${i}@example.com`,
      givenName: "Bench",
      familyName: `User ${i}`,
    }));
    const start = performance.now();
    const created = await Promise.all(inputs.map((u) => provider.create(u)));
    await Promise.all(created.map(({ id, outs }) => provider.read(id, outs)));
    const seconds = (performance.now() - start) / 1000;
    const requests = fake.requests.length;

    const measure = async <T>(op: () => Promise<T>): Promise<[number, T]> => {
      const before = fake.requests.length;
      const result = await op();
      return [fake.requests.length - before, result];
    };
    const one: GoToMeetingUserInputs = {
      userName: "ops@example.com",
      givenName: "Ops",
      familyName: "Probe",
    };
    const [create, { id, outs }] = await measure(() => provider.create(one));
    const [read] = await measure(() => provider.read(id, outs));
    const [update, updated] = await measure(() =>
      provider.update(id, outs as GoToMeetingUserOutputs, { ...one, givenName: "Opsy" }),
    );
    const [del] = await measure(() => provider.delete(id, updated.outs as GoToMeetingUserOutputs));
    fake.addUser({ userName: "adopt@example.com", givenName: "Old", familyName: "Name" });
    const [adopt] = await measure(() =>
      provider.create({
        userName: "adopt@example.com",
        givenName: "New",
        familyName: "Name",
        adoptExisting: true,
      }),
    );

    const [createWithDisplayName] = await measure(() =>
      provider.create({ ...one, userName: "named@example.com", displayName: "Named Probe" }),
    );
    const [createWithLicences] = await measure(() =>
      provider.create({
        ...one,
        userName: "licensed@example.com",
        licenseKeys: [DEFAULT_ACCOUNT.licenses[0].key],
      }),
    );

    const achieved = requests / seconds;
    return {
      users,
      allowedRequestsPerSecond: allowed,
      latencyMs,
      requests,
      seconds: round(seconds, 2),
      achievedRequestsPerSecond: round(achieved, 2),
      fractionOfAllowedRate: round(achieved / allowed, 3),
      count429: fake.count429,
      callsPerOperation: { create, read, update, delete: del, adopt },
      otherCalls: { createWithDisplayName, createWithLicences },
    };
  } finally {
    await fake.stop();
  }
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

if (require.main === module) {
  benchGoTo().then(
    (r) => console.log(JSON.stringify(r, null, 2)),
    (err) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
