package io.healthscore.scoring.scoring;

import com.google.protobuf.util.Timestamps;
import io.healthscore.scoring.cache.CachedScore;
import io.healthscore.scoring.cache.ScoreCache;
import io.healthscore.scoring.cache.ScoreKey;
import io.healthscore.scoring.engine.AccountSnapshot;
import io.healthscore.scoring.engine.Bands;
import io.healthscore.scoring.engine.CompiledScorecard;
import io.healthscore.scoring.engine.ComputedScore;
import io.healthscore.scoring.engine.ParentRollup;
import io.healthscore.scoring.engine.MetricCatalog;
import io.healthscore.scoring.engine.ScoringContext;
import io.healthscore.scoring.store.CacheNotices;
import io.healthscore.scoring.store.HistoryPoint;
import io.healthscore.scoring.store.OverrideRecord;
import io.healthscore.scoring.store.OverrideStore;
import io.healthscore.scoring.store.ScoreChangeLog;
import io.healthscore.scoring.store.ScoreHistoryStore;
import io.healthscore.scoring.store.ScoreStore;
import io.healthscore.scoring.store.StoredScore;
import io.healthscore.scoring.upstream.AccountDirectory;
import io.healthscore.scoring.upstream.AccountInfo;
import io.healthscore.scoring.upstream.FeatureReader;
import io.healthscore.v1.Band;
import io.healthscore.v1.HealthScore;
import io.healthscore.v1.ScoreChange;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * Scores accounts and keeps every copy of a score in step: the cache (always), and, when the
 * change is material, the score table, the history and the WatchScores log in one transaction.
 *
 * <p>Material: the shown score moved by at least HEALTHSCORE_MATERIAL_CHANGE since it was last
 * published, or the shown band changed, or the override changed. Smaller moves only refresh the
 * cache, so a slowly drifting score is published once its drift adds up.
 *
 * <p>Replicas: every transaction that writes score rows also appends a cache notice naming them,
 * so the other replicas drop those entries from their caches and read the rows again. With {@code
 * sharedStore} (a database replicas share) smaller moves write their row too (with the score last
 * published), so that every replica serves the very computation this one made; and a change is
 * published only if it is still material against the stored row once the change log's lock is
 * held, so two replicas computing the same account publish its change once.
 */
public final class Scorer {
  private static final long DAY = Duration.ofDays(1).toMillis();

  /** Extra writes committed in the same transaction as the score changes (e.g. a feed cursor). */
  @FunctionalInterface
  public interface TransactionExtra {
    void run(Connection c) throws Exception;

    TransactionExtra NONE = c -> {};

    /** This, then {@code next}, in the same transaction. */
    default TransactionExtra andThen(TransactionExtra next) {
      return c -> {
        run(c);
        next.run(c);
      };
    }
  }

  /** What one computation decided: the new cache entry and what to persist. */
  private record Decision(
      CachedScore entry, ScoreChange change, HistoryPoint point, StoredScore row) {}

  /** The scorecards that apply to an account now; its scores on any other are removed. */
  private record Applicable(String accountId, Set<String> scorecardIds) {}

  /** A batch's decisions and, when applicability was checked, what applies to each account. */
  private record Batch(List<Decision> decisions, List<Applicable> applicable) {}

  private final ScorecardRegistry scorecards;
  private final ModelRegistry models;
  private final AccountDirectory directory;
  private final FeatureReader features;
  private final FeatureDemand demand;
  private final ScoreStore scores;
  private final ScoreHistoryStore history;
  private final OverrideStore overrides;
  private final ScoreChangeLog changes;
  private final CacheNotices notices;
  private final boolean sharedStore;
  private final ScoreCache cache;
  private final ScoreMetrics metrics;
  private final MetricCatalog portfolio;
  private final ScoringSettings settings;
  private final Clock clock;

  public Scorer(
      ScorecardRegistry scorecards,
      ModelRegistry models,
      AccountDirectory directory,
      FeatureReader features,
      ScoreStore scores,
      ScoreHistoryStore history,
      OverrideStore overrides,
      ScoreChangeLog changes,
      CacheNotices notices,
      boolean sharedStore,
      ScoreCache cache,
      ScoreMetrics metrics,
      ScoringSettings settings,
      MetricCatalog portfolio,
      Clock clock) {
    this.scorecards = scorecards;
    this.portfolio = portfolio;
    this.models = models;
    this.directory = directory;
    this.features = features;
    this.demand = new FeatureDemand(scorecards, models);
    this.scores = scores;
    this.history = history;
    this.overrides = overrides;
    this.changes = changes;
    this.notices = notices;
    this.sharedStore = sharedStore;
    this.cache = cache;
    this.metrics = metrics;
    this.settings = settings;
    this.clock = clock;
  }

  public Clock clock() {
    return clock;
  }

  /** The metrics the portfolio has ever sent, which every score is computed against. */
  public MetricCatalog portfolioMetrics() {
    return portfolio;
  }

  /** The accounts' current snapshots, with the features the active scorecards read. */
  public List<AccountSnapshot> readCurrent(List<AccountInfo> accounts) {
    return features.current(accounts, demand.current());
  }

  /**
   * The account's current score on the scorecard: from the cache, else from the score table, else
   * computed now from the account's current features (an account without signals gets a no-data
   * score).
   */
  public CachedScore current(AccountInfo account, CompiledScorecard card) {
    return currentAll(List.of(account), List.of(card)).get(0);
  }

  /**
   * {@link #current} of many scores, account {@code i} on scorecard {@code i}, in that order: the
   * cache's, then the score table's (one read of the rows and one of their trends), then the rest
   * computed together from one read of their features, so a batch of accounts not scored yet costs
   * a few round trips, not a few per account.
   */
  public List<CachedScore> currentAll(List<AccountInfo> accounts, List<CompiledScorecard> cards) {
    CachedScore[] found = new CachedScore[accounts.size()];
    Map<ScoreKey, Integer> misses = new LinkedHashMap<>();
    for (int i = 0; i < found.length; i++) {
      ScoreKey key = new ScoreKey(accounts.get(i).accountId(), cards.get(i).id());
      found[i] = cache.get(key);
      if (found[i] == null) {
        misses.putIfAbsent(key, i);
      }
    }
    Map<ScoreKey, Integer> asked = new LinkedHashMap<>(misses);
    if (!misses.isEmpty()) {
      loadStoredOfThisVersion(accounts, cards, misses, found);
    }
    if (!misses.isEmpty()) {
      computeNow(accounts, cards, misses, found);
    }
    for (int i = 0; i < found.length; i++) {
      if (found[i] == null) { // asked for twice: the first one's
        found[i] = found[asked.get(new ScoreKey(accounts.get(i).accountId(), cards.get(i).id()))];
      }
    }
    return Arrays.asList(found);
  }

  /** Fills {@code found} from the score table where a row of the scorecard's version is stored. */
  private void loadStoredOfThisVersion(
      List<AccountInfo> accounts, List<CompiledScorecard> cards, Map<ScoreKey, Integer> misses, CachedScore[] found) {
    Map<ScoreKey, StoredScore> rows = scores.getAll(misses.keySet());
    // A row of an older scorecard version does not fit this version's measures: computed anew.
    rows.entrySet().removeIf(e -> e.getValue().scorecardVersion() != cards.get(misses.get(e.getKey())).version());
    if (rows.isEmpty()) {
      return;
    }
    Map<ScoreKey, OptionalDouble[]> trends = history.scoresAsOf(rows.keySet(), trendMoments(clock.millis()));
    for (var row : rows.entrySet()) {
      int i = misses.remove(row.getKey());
      found[i] = fromRow(accounts.get(i), cards.get(i), row.getValue(), trends.get(row.getKey()));
      cache.put(found[i]);
    }
  }

  /** Computes and stores the missing scores from one read of their accounts' current features. */
  private void computeNow(
      List<AccountInfo> accounts, List<CompiledScorecard> cards, Map<ScoreKey, Integer> misses, CachedScore[] found) {
    Map<String, AccountInfo> toRead = new LinkedHashMap<>();
    Set<String> cardIds = new LinkedHashSet<>();
    for (int i : misses.values()) {
      toRead.putIfAbsent(accounts.get(i).accountId(), accounts.get(i));
      cardIds.add(cards.get(i).id());
    }
    String only = cardIds.size() == 1 ? cardIds.iterator().next() : null;
    recompute(readCurrent(List.copyOf(toRead.values())), only, false, TransactionExtra.NONE, TransactionExtra.NONE);
    for (var miss : misses.entrySet()) {
      int i = miss.getValue();
      CachedScore computed = cache.get(miss.getKey());
      // Evicted at once by a tiny cache: serve the row just stored.
      found[i] = computed != null ? computed : loadStored(accounts.get(i), cards.get(i));
      if (found[i] == null) {
        throw new IllegalStateException("no score for " + miss.getKey() + " after computing it");
      }
    }
  }

  /** The override in force on this score now, or null. */
  public OverrideRecord overrideInForce(String accountId, String scorecardId) {
    return overrides
        .get(accountId, scorecardId)
        .filter(o -> o.activeAt(clock.millis()))
        .orElse(null);
  }

  /** The score as served. */
  public HealthScore view(CachedScore e) {
    return ScoreViews.view(e, overrideInForce(e.accountId(), e.scorecard().id()), models.learned().orElse(null));
  }

  /**
   * Recomputes the snapshots' scores (only {@code onlyScorecardId}'s when not null) and, after
   * them, their parents' roll-ups. {@code forceStore} (after a scorecard or account change) also
   * rewrites score rows whose change is not material and, when every scorecard is recomputed,
   * removes the accounts' scores on scorecards that no longer apply to them. {@code fence} runs in
   * every transaction this commits (the parents' too), {@code extra} once, with the snapshots'
   * changes. Returns how many material changes were published.
   */
  public int recompute(
      List<AccountSnapshot> snapshots,
      String onlyScorecardId,
      boolean forceStore,
      TransactionExtra fence,
      TransactionExtra extra) {
    return metrics.timeRecompute(
        () -> {
          long now = clock.millis();
          List<AccountSnapshot> leaves = new ArrayList<>();
          List<AccountSnapshot> parents = new ArrayList<>();
          Set<String> inBatch = new LinkedHashSet<>();
          for (AccountSnapshot s : snapshots) {
            inBatch.add(s.accountId());
            (directory.hasChildren(s.accountId()) ? parents : leaves).add(s);
          }
          // Parents roll up their children's new scores, so they go after them, in their own commit.
          Set<String> parentIds = new LinkedHashSet<>();
          for (AccountSnapshot s : snapshots) {
            if (!s.parentAccountId().isEmpty() && !inBatch.contains(s.parentAccountId())) {
              parentIds.add(s.parentAccountId());
            }
          }
          int published = persist(decideAll(leaves, onlyScorecardId, forceStore, now), fence.andThen(extra));
          List<AccountInfo> outsideParents = new ArrayList<>();
          for (String id : parentIds) {
            directory.cached(id).ifPresent(outsideParents::add);
          }
          if (!outsideParents.isEmpty()) {
            parents.addAll(readCurrent(outsideParents));
          }
          if (!parents.isEmpty()) {
            published += persist(decideAll(parents, onlyScorecardId, forceStore, now), fence);
          }
          return published;
        });
  }

  /** One account's computation on one scorecard within a batch, filled in phase by phase. */
  private static final class Pending {
    final AccountInfo info;
    final AccountSnapshot snapshot;
    final CompiledScorecard card;
    final boolean primary;
    CachedScore prev;
    /** The previous entry came from the score table in this batch: its trends are still to read. */
    boolean prevFromStore;
    ComputedScore computed;
    boolean rolledUp;
    OverrideRecord override;
    /** The active learned model's view of the account, null when none applies. */
    ModelRegistry.LearnedAssessment learned;

    Pending(AccountInfo info, AccountSnapshot snapshot, CompiledScorecard card, boolean primary) {
      this.info = info;
      this.snapshot = snapshot;
      this.card = card;
      this.primary = primary;
    }

    ScoreKey key() {
      return new ScoreKey(info.accountId(), card.id());
    }
  }

  /**
   * Decides a batch in phases, so the store is read once per batch rather than once per account:
   * the previous scores missing from the cache in one read, then every computation, then the
   * history the trends of the material changes (and of the previous scores just read) need.
   */
  private Batch decideAll(
      List<AccountSnapshot> snapshots, String onlyScorecardId, boolean forceStore, long now) {
    List<Pending> pending = new ArrayList<>();
    List<Applicable> applicable = new ArrayList<>();
    for (AccountSnapshot s : snapshots) {
      AccountInfo info =
          new AccountInfo(s.accountId(), s.segment(), s.lifecycleStage(), s.parentAccountId(), s.owner(), s.mrr());
      List<CompiledScorecard> cards = scorecards.scorecardsFor(info);
      ModelRegistry.LearnedAssessment learned = models.assess(s);
      if (forceStore && onlyScorecardId == null) {
        Set<String> ids = new LinkedHashSet<>();
        cards.forEach(c -> ids.add(c.id()));
        applicable.add(new Applicable(info.accountId(), ids));
      }
      for (int i = 0; i < cards.size(); i++) {
        CompiledScorecard card = cards.get(i);
        if (onlyScorecardId == null || onlyScorecardId.equals(card.id())) {
          Pending p = new Pending(info, s, card, i == 0);
          p.learned = learned;
          pending.add(p);
        }
      }
    }
    readPrevious(pending);
    for (Pending p : pending) {
      // A no-data placeholder's band is no position to hold: the first real score takes its
      // band from its value alone.
      Band prevBand =
          p.prev == null || p.prev.computed().noData() ? Band.BAND_UNSPECIFIED : p.prev.computed().computedBand();
      ScoringContext ctx = new ScoringContext(now, scorecards.distributions(p.card.id()), portfolio);
      ComputedScore computed = p.card.score(p.snapshot, ctx, prevBand);
      if (p.learned != null) {
        computed = withLearnedScore(computed, p.learned, p.card, prevBand);
      }
      double rolled = rollUp(p.info, p.card);
      if (!Double.isNaN(rolled)) {
        computed = withScore(computed, (float) rolled, Bands.withHysteresis(rolled, prevBand, p.card.bands()));
        p.rolledUp = true;
      }
      p.computed = computed;
      p.override = overrideInForce(p.info.accountId(), p.card.id());
    }
    List<ScoreKey> needHistory = new ArrayList<>();
    for (Pending p : pending) {
      if (p.prevFromStore || material(p.computed, p.prev, p.override)) {
        needHistory.add(p.key());
      }
    }
    Map<ScoreKey, OptionalDouble[]> past = history.scoresAsOf(needHistory, trendMoments(now));
    List<Decision> decisions = new ArrayList<>(pending.size());
    for (Pending p : pending) {
      CachedScore prev = p.prev;
      OptionalDouble[] then = past.get(p.key());
      if (p.prevFromStore) {
        prev = withTrends(prev, then);
      }
      decisions.add(decide(
              p.info, p.card, p.primary, p.rolledUp, p.computed,
              p.learned == null ? Double.NaN : p.learned.probability(), prev, p.override, forceStore,
              now, then));
    }
    return new Batch(decisions, applicable);
  }

  /** Each pending score's previous entry: the cache's, else the score table's, read at once. */
  private void readPrevious(List<Pending> pending) {
    List<ScoreKey> misses = new ArrayList<>();
    for (Pending p : pending) {
      p.prev = cache.get(p.key());
      if (p.prev == null) {
        misses.add(p.key());
      }
    }
    if (misses.isEmpty()) {
      return;
    }
    Map<ScoreKey, StoredScore> rows = scores.getAll(misses);
    for (Pending p : pending) {
      StoredScore row = p.prev == null ? rows.get(p.key()) : null;
      if (row != null) {
        p.prev = fromRow(p.info, p.card, row, null);
        p.prevFromStore = true;
      }
    }
  }

  /**
   * Applies a new override state (null to clear) to the account's current computation, committing
   * {@code overrideWrite} with the change it causes.
   */
  public HealthScore applyOverride(
      AccountInfo account, CompiledScorecard card, OverrideRecord newOverride, TransactionExtra overrideWrite) {
    CachedScore current = current(account, card);
    long now = clock.millis();
    Decision d =
        decide(
            account,
            card,
            current.primary(),
            current.rolledUp(),
            current.computed(),
            models.isLearned(current.modelId()) ? current.churnProbability() : Double.NaN,
            current,
            newOverride,
            true,
            now,
            history.scoresAsOf(account.accountId(), card.id(), trendMoments(now)));
    persist(new Batch(List.of(d), List.of()), overrideWrite);
    return ScoreViews.view(d.entry(), newOverride, models.learned().orElse(null));
  }

  /** Commits an override write that changes no score (its scorecard no longer applies). */
  public void applyOverrideWithoutScore(TransactionExtra overrideWrite) {
    commit(overrideWrite);
  }

  /** Commits writes that change no score, in the order of score commits (e.g. a feed cursor). */
  public void commit(TransactionExtra extra) {
    persist(new Batch(List.of(), List.of()), extra);
  }

  private boolean material(ComputedScore computed, CachedScore prev, OverrideRecord override) {
    if (prev == null) {
      return true;
    }
    double shown = ScoreViews.shownScore(computed.score(), override);
    Band shownBand = override != null ? override.band() : computed.computedBand();
    return Math.abs(shown - prev.storedScore()) >= settings.materialChange() - 1e-9
        || shownBand != prev.storedBand()
        || !fingerprint(override).equals(prev.storedOverride());
  }

  /**
   * The decision on one computation. {@code past} holds the shown scores at the trend moments; it
   * is read only for material changes, and may be null otherwise.
   */
  private Decision decide(
      AccountInfo info,
      CompiledScorecard card,
      boolean primary,
      boolean rolledUp,
      ComputedScore computed,
      double learnedChurn,
      CachedScore prev,
      OverrideRecord override,
      boolean forceStore,
      long now,
      OptionalDouble[] past) {
    // a learned model in scope speaks for the account on every scorecard
    boolean learned = !Double.isNaN(learnedChurn);
    double churn = learned ? learnedChurn : models.churnProbability(card, computed);
    String modelId =
        learned ? models.learnedModelId() : Double.isNaN(churn) ? "" : models.activeModelId(card.id());
    double shown = ScoreViews.shownScore(computed.score(), override);
    Band shownBand = override != null ? override.band() : computed.computedBand();
    String fingerprint = fingerprint(override);
    if (!material(computed, prev, override)) {
      CachedScore entry =
          new CachedScore(
              info.accountId(), card, computed, prev.previous(), primary, rolledUp, prev.storedScore(),
              prev.storedBand(), prev.storedOverride(), churn, modelId, prev.trend7(), prev.trend30(), prev.trend90());
      StoredScore row =
          forceStore ? row(info, entry, shown, shownBand)
              : sharedStore ? row(info, entry, prev.storedScore(), prev.storedBand()) : null;
      return new Decision(entry, null, null, row);
    }
    CachedScore entry =
        new CachedScore(
            info.accountId(), card, computed, prev == null ? null : prev.computed(), primary, rolledUp, shown,
            shownBand, fingerprint, churn, modelId, delta(shown, past[0]), delta(shown, past[1]), delta(shown, past[2]));
    ScoreChange.Builder change =
        ScoreChange.newBuilder()
            .setAccountId(info.accountId())
            .setScorecardId(card.id())
            .setCurrent(ScoreViews.view(entry, override, models.learned().orElse(null)))
            .setBandChanged(prev == null || prev.storedBand() != shownBand)
            .setChangeTime(Timestamps.fromMillis(now));
    if (prev != null) {
      change.setPrevious(ScoreViews.previousView(prev));
    }
    HistoryPoint point =
        new HistoryPoint(
            info.accountId(), card.id(), 0, now, shown, shownBand, computed.score(), computed.coverage(),
            computed.version(), override != null);
    return new Decision(entry, change.build(), point, row(info, entry, shown, shownBand));
  }

  private StoredScore row(AccountInfo info, CachedScore e, double shown, Band shownBand) {
    double churnRate = Double.isNaN(e.churnProbability()) ? ScoreViews.bandChurnRate(shownBand) : e.churnProbability();
    return new StoredScore(
        info.accountId(), e.scorecard().id(), e.computed().version(), e.primary(), info.segment(), info.mrr(),
        shown, shownBand, e.computed().score(), e.computed().computedBand(), e.computed().coverage(),
        e.computed().noData(), e.churnProbability(), e.modelId(), info.mrr() * churnRate, e.rolledUp(),
        e.storedOverride(), e.computed().computedAtMillis(), ComputedScoreCodec.encode(e.computed()));
  }

  /** Commits the batch's writes and removals in one transaction, then updates the cache. */
  private int persist(Batch batch, TransactionExtra extra) {
    List<Decision> decisions = batch.decisions();
    List<StoredScore> rows = new ArrayList<>();
    List<CacheNotices.Notice> written = new ArrayList<>();
    for (Decision d : decisions) {
      if (d.row() != null) {
        rows.add(d.row());
        written.add(CacheNotices.Notice.score(d.entry().accountId(), d.entry().scorecard().id()));
      }
    }
    for (Applicable a : batch.applicable()) {
      for (CompiledScorecard card : scorecards.all()) {
        if (!a.scorecardIds().contains(card.id())) {
          written.add(CacheNotices.Notice.score(a.accountId(), card.id()));
        }
      }
    }
    int changed =
        changes.commit(
            (c, appender) -> {
              boolean[] publish = publishable(c, appender, decisions);
              int published = 0;
              List<HistoryPoint> points = new ArrayList<>();
              for (int i = 0; i < decisions.size(); i++) {
                Decision d = decisions.get(i);
                if (publish[i]) {
                  published++;
                  long cursor = appender.append(d.change());
                  HistoryPoint p = d.point();
                  points.add(
                      new HistoryPoint(
                          p.accountId(), p.scorecardId(), cursor, p.computedAtMillis(), p.score(), p.band(),
                          p.computedScore(), p.coverage(), p.scorecardVersion(), p.overridden()));
                }
              }
              history.append(c, points);
              for (Applicable a : batch.applicable()) {
                scores.deleteExcept(c, a.accountId(), a.scorecardIds());
              }
              scores.upsert(c, rows);
              notices.append(c, written);
              extra.run(c);
              return published;
            });
    for (Applicable a : batch.applicable()) {
      for (CompiledScorecard card : scorecards.all()) {
        if (!a.scorecardIds().contains(card.id())) {
          cache.invalidate(new ScoreKey(a.accountId(), card.id()));
        }
      }
    }
    for (Decision d : decisions) {
      cache.put(d.entry());
    }
    metrics.published(changed);
    return changed;
  }

  /**
   * Which decisions publish their change. On a shared store, under the change log's lock, a change
   * that another replica's commit made immaterial (it stored the same score first) is dropped.
   */
  private boolean[] publishable(Connection c, ScoreChangeLog.Appender appender, List<Decision> decisions)
      throws SQLException {
    boolean[] publish = new boolean[decisions.size()];
    List<ScoreKey> keys = new ArrayList<>();
    for (int i = 0; i < decisions.size(); i++) {
      Decision d = decisions.get(i);
      publish[i] = d.change() != null;
      if (publish[i]) {
        keys.add(d.entry().key());
      }
    }
    if (!sharedStore || keys.isEmpty()) {
      return publish;
    }
    appender.lock();
    Map<ScoreKey, StoredScore> stored = scores.getAll(c, keys);
    for (int i = 0; i < decisions.size(); i++) {
      Decision d = decisions.get(i);
      StoredScore now = publish[i] ? stored.get(d.entry().key()) : null;
      if (now != null) {
        StoredScore mine = d.row();
        publish[i] = Math.abs(mine.score() - now.score()) >= settings.materialChange() - 1e-9
            || mine.band() != now.band()
            || !mine.overrideKey().equals(now.overrideKey());
      }
    }
    return publish;
  }

  /** The parent's roll-up of its children's shown scores, NaN when it has none or keeps its own. */
  private double rollUp(AccountInfo parent, CompiledScorecard card) {
    if (card.source().getParentRollup() == io.healthscore.v1.ParentRollup.PARENT_ROLLUP_UNSPECIFIED
        || !directory.hasChildren(parent.accountId())) {
      return Double.NaN;
    }
    List<double[]> children = new ArrayList<>();
    for (AccountInfo child : directory.children(parent.accountId())) {
      CachedScore score = childScore(child, card);
      if (score != null) {
        OverrideRecord o = overrideInForce(child.accountId(), score.scorecard().id());
        children.add(new double[] {ScoreViews.shownScore(score.computed().score(), o), child.mrr()});
      }
    }
    return ParentRollup.combine(card.source().getParentRollup(), children);
  }

  /** The child's score on the same scorecard, else on its primary; null when it has none yet. */
  private CachedScore childScore(AccountInfo child, CompiledScorecard card) {
    List<CompiledScorecard> cards = scorecards.scorecardsFor(child);
    CompiledScorecard use =
        cards.stream().filter(c -> c.id().equals(card.id())).findFirst().orElse(cards.isEmpty() ? null : cards.get(0));
    if (use == null) {
      return null;
    }
    CachedScore cached = cache.get(new ScoreKey(child.accountId(), use.id()));
    return cached != null ? cached : loadStored(child, use);
  }

  private CachedScore previous(AccountInfo info, CompiledScorecard card) {
    CachedScore cached = cache.get(new ScoreKey(info.accountId(), card.id()));
    return cached != null ? cached : loadStored(info, card);
  }

  /** The stored score as a cache entry, or null when none is stored. */
  private CachedScore loadStored(AccountInfo info, CompiledScorecard card) {
    Optional<StoredScore> stored = scores.get(info.accountId(), card.id());
    if (stored.isEmpty()) {
      return null;
    }
    return fromRow(info, card, stored.get(), history.scoresAsOf(info.accountId(), card.id(), trendMoments(clock.millis())));
  }

  /** A stored row as a cache entry; its trends from {@code past}, unknown (NaN) when null. */
  private static CachedScore fromRow(AccountInfo info, CompiledScorecard card, StoredScore r, OptionalDouble[] past) {
    ComputedScore computed = ComputedScoreCodec.decode(card.id(), r.scorecardVersion(), r.state());
    CachedScore entry =
        new CachedScore(
            info.accountId(), card, computed, null, r.primary(), r.rolledUp(), r.score(), r.band(),
            r.overrideKey(), r.churnProbability(), r.modelId(), Float.NaN, Float.NaN, Float.NaN);
    return past == null ? entry : withTrends(entry, past);
  }

  /** The entry with its trends measured against the shown scores of {@code past}. */
  private static CachedScore withTrends(CachedScore e, OptionalDouble[] past) {
    return new CachedScore(
        e.accountId(), e.scorecard(), e.computed(), e.previous(), e.primary(), e.rolledUp(), e.storedScore(),
        e.storedBand(), e.storedOverride(), e.churnProbability(), e.modelId(), delta(e.storedScore(), past[0]),
        delta(e.storedScore(), past[1]), delta(e.storedScore(), past[2]));
  }

  /** The moments the 7, 30 and 90-day trends compare with. */
  private static long[] trendMoments(long now) {
    return new long[] {now - 7 * DAY, now - 30 * DAY, now - 90 * DAY};
  }

  private static String fingerprint(OverrideRecord o) {
    return o == null ? "" : o.setMillis() + "|" + o.score() + "|" + o.band().getNumber() + "|" + o.expireMillis();
  }

  private static float delta(double now, OptionalDouble then) {
    return then.isPresent() ? (float) (now - then.getAsDouble()) : Float.NaN;
  }

  /** The same computation with another score and band (a parent's roll-up). */
  static ComputedScore withScore(ComputedScore c, float score, Band band) {
    return new ComputedScore(
        c.scorecardId(), c.version(), score, band, c.coverage(), c.proactiveShare(), c.computedAtMillis(),
        false, c.values(), c.staleMask(), c.extras(), c.modelBins());
  }

  /**
   * The score and band a learned model gives the account: its churn probability read through the
   * model's probability cut-offs onto the scorecard's score scale, banded by the scorecard's
   * cut-offs with their hysteresis. The measures stay as computed; the drivers come from the
   * model's bins.
   */
  static ComputedScore withLearnedScore(
      ComputedScore c, ModelRegistry.LearnedAssessment learned, CompiledScorecard card, Band prevBand) {
    double score = learned.model().score(learned.probability(), card.bands());
    int[] bins = learned.bins();
    short[] compact = new short[bins.length];
    for (int i = 0; i < bins.length; i++) {
      compact[i] = (short) bins[i];
    }
    return new ComputedScore(
        c.scorecardId(), c.version(), (float) score, Bands.withHysteresis(score, prevBand, card.bands()),
        c.coverage(), c.proactiveShare(), c.computedAtMillis(), false, c.values(), c.staleMask(), c.extras(),
        compact);
  }
}
