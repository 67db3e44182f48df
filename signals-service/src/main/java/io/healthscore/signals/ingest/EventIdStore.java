package io.healthscore.signals.ingest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.IndexType;
import org.rocksdb.InfoLogLevel;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WALRecoveryMode;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteBufferManager;
import org.rocksdb.WriteOptions;

/**
 * The remembered event ids on disk: an embedded RocksDB under {@code <walDir>/event-ids} with one
 * column family per arrival day ({@code day-<epochDay>}), so that expiring a day is dropping its
 * column family (its files are deleted, nothing is rewritten).
 *
 * <p>A key is 14 bytes: the high word of the id's keyed 128-bit hash with bit 0 set, then the low
 * 48 bits of the low word (the 111 bits the former id files kept, so ids folded in from them match).
 * Values are empty. Each table file carries a bloom filter (10 bits per key, about 1% false
 * positives) and each memtable a whole-key filter, so looking up a new id, the common case, is
 * answered from memory; filters and index blocks live in the block cache, which with the memtables
 * is bounded by {@code memoryBytes} of native memory whatever the number of ids.
 *
 * <p>Durability: ids are written after the write-ahead log synced the batch that accepted them,
 * into RocksDB's own log without a sync; {@link #sync} (before a checkpoint moves the replay start
 * past their segments) makes them durable. After a crash RocksDB recovers its log up to the first
 * torn record, and every id after that belongs to a segment the engine still replays.
 *
 * <p>Thread-safe: lookups (from the calling threads) and writes run concurrently under a shared
 * lock; dropping days and closing take it exclusively, since RocksDB must not use a column family
 * handle once it is closed.
 */
final class EventIdStore implements AutoCloseable {
  static final String DIRECTORY = "event-ids";
  private static final String DAY_PREFIX = "day-";
  private static final int KEY_BYTES = 14;
  /** The bits of an id hash's low word that are kept. */
  static final long LOW_BITS = (1L << 48) - 1;
  private static final byte[] EMPTY = new byte[0];
  private static final int BLOOM_BITS_PER_KEY = 10;
  private static final int CACHE_SHARD_BITS = 2;

  static {
    RocksDB.loadLibrary();
  }

  private final LRUCache cache;
  private final WriteBufferManager writeBuffers;
  private final DBOptions dbOptions;
  private final ColumnFamilyOptions dayOptions;
  private final WriteOptions writeOptions = new WriteOptions();
  private final ReadOptions readOptions = new ReadOptions();
  private final RocksDB db;
  private final ColumnFamilyHandle defaultFamily;
  /** Shared by lookups and writes; exclusive to change {@code days} or close. */
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  /** The column family of each arrival day, by epoch day. */
  private final TreeMap<Long, ColumnFamilyHandle> days = new TreeMap<>();
  private boolean closed;

  private EventIdStore(
      LRUCache cache, WriteBufferManager writeBuffers, DBOptions dbOptions, ColumnFamilyOptions dayOptions,
      RocksDB db, List<ColumnFamilyDescriptor> descriptors, List<ColumnFamilyHandle> handles) {
    this.cache = cache;
    this.writeBuffers = writeBuffers;
    this.dbOptions = dbOptions;
    this.dayOptions = dayOptions;
    this.db = db;
    ColumnFamilyHandle defaultHandle = null;
    for (int i = 0; i < handles.size(); i++) {
      String name = new String(descriptors.get(i).getName(), java.nio.charset.StandardCharsets.UTF_8);
      if (name.startsWith(DAY_PREFIX)) {
        days.put(Long.parseLong(name.substring(DAY_PREFIX.length())), handles.get(i));
      } else {
        defaultHandle = handles.get(i);
      }
    }
    this.defaultFamily = defaultHandle;
  }

  /**
   * Opens (or creates) the store in {@code dir}; {@code memoryBytes} bounds its block cache and
   * memtables together (the memtables take at most half).
   */
  static EventIdStore open(Path dir, long memoryBytes) throws IOException {
    Files.createDirectories(dir);
    // Half the cache kept for filters and indexes, which every lookup of a new id reads.
    LRUCache cache = new LRUCache(memoryBytes, CACHE_SHARD_BITS, false, 0.5);
    WriteBufferManager writeBuffers = new WriteBufferManager(memoryBytes / 2, cache);
    DBOptions dbOptions =
        new DBOptions()
            .setCreateIfMissing(true)
            .setCreateMissingColumnFamilies(true)
            .setWalRecoveryMode(WALRecoveryMode.PointInTimeRecovery)
            .setWriteBufferManager(writeBuffers)
            .setMaxBackgroundJobs(2)
            .setInfoLogLevel(InfoLogLevel.WARN_LEVEL)
            .setKeepLogFileNum(2)
            .setMaxTotalWalSize(Math.max(memoryBytes, 64L << 20));
    BlockBasedTableConfig table =
        new BlockBasedTableConfig()
            .setFilterPolicy(new BloomFilter(BLOOM_BITS_PER_KEY, false))
            // Filters and indexes in small partitions: a full filter of a large file would not
            // fit one shard of the cache and be read again for every lookup.
            .setPartitionFilters(true)
            .setIndexType(IndexType.kTwoLevelIndexSearch)
            .setMetadataBlockSize(4096)
            .setBlockCache(cache)
            .setCacheIndexAndFilterBlocks(true)
            .setCacheIndexAndFilterBlocksWithHighPriority(true)
            .setPinTopLevelIndexAndFilter(true)
            .setPinL0FilterAndIndexBlocksInCache(true);
    ColumnFamilyOptions dayOptions =
        new ColumnFamilyOptions()
            .setTableFormatConfig(table)
            .setCompressionType(CompressionType.LZ4_COMPRESSION)
            .setWriteBufferSize(Math.max(1L << 20, Math.min(64L << 20, memoryBytes / 8)))
            .setMemtablePrefixBloomSizeRatio(0.05)
            .setMemtableWholeKeyFiltering(true);
    List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
    descriptors.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, dayOptions));
    try {
      if (Files.exists(dir.resolve("CURRENT"))) {
        try (Options listing = new Options()) {
          for (byte[] name : RocksDB.listColumnFamilies(listing, dir.toString())) {
            if (!java.util.Arrays.equals(name, RocksDB.DEFAULT_COLUMN_FAMILY)) {
              descriptors.add(new ColumnFamilyDescriptor(name, dayOptions));
            }
          }
        }
      }
      List<ColumnFamilyHandle> handles = new ArrayList<>();
      RocksDB db = RocksDB.open(dbOptions, dir.toString(), descriptors, handles);
      return new EventIdStore(cache, writeBuffers, dbOptions, dayOptions, db, descriptors, handles);
    } catch (RocksDBException e) {
      dayOptions.close();
      dbOptions.close();
      writeBuffers.close();
      cache.close();
      throw failure("cannot open the event id store in " + dir, e);
    }
  }

  /** The stored key of an id hashed by {@link SignalHashing#hash128}. */
  static byte[] key(long hashHigh, long hashLow) {
    byte[] key = new byte[KEY_BYTES];
    long high = hashHigh | 1L;
    for (int b = 0; b < 8; b++) {
      key[b] = (byte) (high >>> (56 - 8 * b));
    }
    for (int b = 0; b < 6; b++) {
      key[8 + b] = (byte) ((hashLow & LOW_BITS) >>> (40 - 8 * b));
    }
    return key;
  }

  /**
   * Which of {@code keys} arrived within the window: on one of the {@code retentionDays} days before
   * {@code today}, or today. One batched lookup over the window's days.
   */
  boolean[] seen(List<byte[]> keys, long today, int retentionDays) throws IOException {
    lock.readLock().lock();
    try {
      return seenLocked(keys, today, retentionDays);
    } finally {
      lock.readLock().unlock();
    }
  }

  private boolean[] seenLocked(List<byte[]> keys, long today, int retentionDays) throws IOException {
    checkOpen();
    boolean[] seen = new boolean[keys.size()];
    List<ColumnFamilyHandle> window = new ArrayList<>(days.tailMap(today - retentionDays).values());
    if (keys.isEmpty() || window.isEmpty()) {
      return seen;
    }
    List<ColumnFamilyHandle> families = new ArrayList<>(keys.size() * window.size());
    List<byte[]> lookups = new ArrayList<>(keys.size() * window.size());
    for (ColumnFamilyHandle family : window) {
      for (byte[] key : keys) {
        families.add(family);
        lookups.add(key);
      }
    }
    try {
      List<byte[]> values = db.multiGetAsList(readOptions, families, lookups);
      for (int i = 0; i < values.size(); i++) {
        if (values.get(i) != null) {
          seen[i % keys.size()] = true;
        }
      }
      return seen;
    } catch (RocksDBException e) {
      throw failure("event id lookup failed", e);
    }
  }

  /** Remembers {@code keys} as arrived on {@code day}s, grouped by day (not yet synced). */
  void add(Map<Long, List<byte[]>> keysByDay) throws IOException {
    createMissingDays(keysByDay.keySet());
    lock.readLock().lock();
    try (WriteBatch batch = new WriteBatch()) {
      checkOpen();
      for (Map.Entry<Long, List<byte[]>> day : keysByDay.entrySet()) {
        ColumnFamilyHandle family = days.get(day.getKey());
        if (family == null) {
          continue; // dropped meanwhile: that day left the window
        }
        for (byte[] key : day.getValue()) {
          batch.put(family, key, EMPTY);
        }
      }
      db.write(writeOptions, batch);
    } catch (RocksDBException e) {
      throw failure("writing event ids failed", e);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Syncs what was added so far to disk. */
  void sync() throws IOException {
    lock.readLock().lock();
    try {
      checkOpen();
      db.flushWal(true);
    } catch (RocksDBException e) {
      throw failure("syncing event ids failed", e);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Forgets the days more than {@code retentionDays} before {@code today}, dropping their files. */
  void expire(long today, int retentionDays) throws IOException {
    lock.writeLock().lock();
    try {
      checkOpen();
      Map<Long, ColumnFamilyHandle> expired = days.headMap(today - retentionDays);
      for (ColumnFamilyHandle family : new ArrayList<>(expired.values())) {
        db.dropColumnFamily(family);
        family.close();
      }
      expired.clear();
    } catch (RocksDBException e) {
      throw failure("dropping expired event ids failed", e);
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** RocksDB's estimate of the ids remembered (exact after compaction). */
  long estimatedIds() {
    lock.readLock().lock();
    try {
      long total = 0;
      for (ColumnFamilyHandle family : days.values()) {
        total += db.getLongProperty(family, "rocksdb.estimate-num-keys");
      }
      return total;
    } catch (RocksDBException e) {
      return -1;
    } finally {
      lock.readLock().unlock();
    }
  }

  /** The arrival days held, oldest first. */
  List<Long> days() {
    lock.readLock().lock();
    try {
      return List.copyOf(days.keySet());
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Creates the column families of the {@code wanted} days not held yet. */
  private void createMissingDays(java.util.Set<Long> wanted) throws IOException {
    lock.readLock().lock();
    try {
      if (days.keySet().containsAll(wanted)) {
        return;
      }
    } finally {
      lock.readLock().unlock();
    }
    lock.writeLock().lock();
    try {
      checkOpen();
      for (long day : wanted) {
        if (!days.containsKey(day)) {
          days.put(
              day,
              db.createColumnFamily(
                  new ColumnFamilyDescriptor(
                      (DAY_PREFIX + day).getBytes(java.nio.charset.StandardCharsets.UTF_8), dayOptions)));
        }
      }
    } catch (RocksDBException e) {
      throw failure("creating the event id day failed", e);
    } finally {
      lock.writeLock().unlock();
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("the event id store is closed");
    }
  }

  /** A RocksDB failure as an IOException whose message keeps RocksDB's (e.g. "No space left on device"). */
  private static IOException failure(String what, RocksDBException e) {
    String status = e.getStatus() == null ? e.getMessage() : e.getStatus().getCodeString() + ": " + e.getMessage();
    return new IOException(what + ": " + status, e);
  }

  @Override
  public void close() {
    lock.writeLock().lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      days.values().forEach(ColumnFamilyHandle::close);
      defaultFamily.close();
      db.close();
      readOptions.close();
      writeOptions.close();
      dayOptions.close();
      dbOptions.close();
      writeBuffers.close();
      cache.close();
    } finally {
      lock.writeLock().unlock();
    }
  }
}
