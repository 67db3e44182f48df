// A little real traffic so that the series behind the rules and the dashboard exist before the
// live check queries them: accounts, signals (one rejected), score reads, a NOT_FOUND.
//   node traffic.mjs PROTO_DIR SIGNALS_ADDR SCORING_ADDR
import grpc from "@grpc/grpc-js";
import protoLoader from "@grpc/proto-loader";

const [protoDir, signalsAddr, scoringAddr] = process.argv.slice(2);
const definition = protoLoader.loadSync(["healthscore/v1/signals.proto", "healthscore/v1/scoring.proto"], {
  includeDirs: [protoDir],
  keepCase: true,
  longs: Number,
  defaults: true,
});
const v1 = grpc.loadPackageDefinition(definition).healthscore.v1;
const signals = new v1.SignalService(signalsAddr, grpc.credentials.createInsecure());
const scoring = new v1.ScoringService(scoringAddr, grpc.credentials.createInsecure());

const call = (client, method, request) =>
  new Promise((resolve, reject) =>
    client[method](request, { deadline: Date.now() + 10_000 }, (err, response) => (err ? reject(err) : resolve(response))),
  );
const expectCode = async (promise, code) => {
  try {
    await promise;
  } catch (e) {
    if (e.code === code) return;
    throw e;
  }
  throw new Error(`expected status ${code}`);
};

const now = { seconds: Math.floor(Date.now() / 1000), nanos: 0 };
const ids = ["live-a", "live-b", "live-c"];
await call(signals, "UpsertAccounts", {
  accounts: ids.map((account_id) => ({ account_id, name: account_id, segment: "smb", licenses: 10, mrr: 500 })),
});
const ingested = await call(signals, "IngestSignals", {
  signals: [
    ...ids.map((account_id, i) => ({ event_id: `live-${i}-${now.seconds}`, account_id, metric: "logins", number: 3, occurred_at: now, source: "deploy-check" })),
    { event_id: `live-bad-${now.seconds}`, account_id: "live-a", metric: "", number: 1, occurred_at: now, source: "deploy-check" },
  ],
});
if (ingested.accepted !== ids.length || ingested.rejected.length !== 1) {
  throw new Error(`IngestSignals: ${JSON.stringify(ingested)}`);
}
await expectCode(call(signals, "GetAccount", { account_id: "no-such-account" }), grpc.status.NOT_FOUND);
for (let i = 0; i < 20; i++) {
  await call(scoring, "GetScore", { account_id: ids[i % ids.length] }).catch((e) => {
    if (e.code !== grpc.status.NOT_FOUND) throw e; // not scored yet
  });
  await call(scoring, "BatchGetScores", { account_ids: ids });
  await call(scoring, "ListScores", { page_size: 10 });
}
signals.close();
scoring.close();
console.log("traffic: 3 accounts, 3 signals and 1 rejected, 60 score reads");
