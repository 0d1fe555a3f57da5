// storage/migrator.hpp against a real PostgreSQL: ordered application in
// transactions, checksums, refusal of changed files, rollback of a failing
// migration, concurrent runners serialised by the advisory lock, status.
#include "storage/migrator.hpp"

#include "storage/pg_connection.hpp"
#include "tests/integration/support/test_database.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <thread>

using namespace delta::storage;
using delta::testing::scratch_database;
using delta::testing::temp_dir;

namespace {

const char* create_a = "CREATE TABLE mig_a (id INTEGER PRIMARY KEY);\n";
const char* create_b = "CREATE TABLE mig_b (id INTEGER PRIMARY KEY, a INTEGER REFERENCES mig_a);\n";
const char* create_c = "CREATE TABLE mig_c (name TEXT NOT NULL);\nINSERT INTO mig_c VALUES ('x');\n";

class MigratorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_THROW(db.emplace()) << "needs the test cluster (DELTA_TEST_DATABASE_URL)";
    dir.emplace("delta-migrations-");
  }

  const std::string& url() const { return db->url(); }

  bool table_exists(const std::string& name) {
    pg_connection conn{url()};
    auto res = conn.exec("SELECT to_regclass($1) IS NOT NULL", {name});
    return res.rows.at(0).at(0) == "t";
  }

  // version -> (name, checksum) as recorded in schema_migrations.
  std::map<int, std::pair<std::string, std::string>> recorded() {
    pg_connection conn{url()};
    std::map<int, std::pair<std::string, std::string>> out;
    for (auto& row : conn.exec("SELECT version, name, checksum FROM schema_migrations").rows)
      out[std::stoi(*row[0])] = {*row[1], *row[2]};
    return out;
  }

  std::optional<scratch_database> db;
  std::optional<temp_dir> dir;
};

}  // namespace

TEST_F(MigratorTest, LoadsNumberedFilesInVersionOrderWithChecksums) {
  dir->write("0002_create_b.sql", create_b);
  dir->write("0001_create_a.sql", create_a);
  dir->write("README.md", "not a migration");
  auto all = load_migrations(dir->path());
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].version, 1);
  EXPECT_EQ(all[0].name, "0001_create_a");
  EXPECT_EQ(all[0].sql, create_a);
  EXPECT_EQ(all[0].checksum, sha256_hex(create_a));
  EXPECT_EQ(all[1].version, 2);
  EXPECT_EQ(all[1].name, "0002_create_b");
}

TEST(Sha256Hex, IsTheLowerCaseHexDigestOfTheBytes) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_F(MigratorTest, AppliesPendingMigrationsAndRecordsTheirChecksums) {
  dir->write("0001_create_a.sql", create_a);
  dir->write("0002_create_b.sql", create_b);
  auto applied = apply_migrations(url(), load_migrations(dir->path()));
  EXPECT_EQ(applied, (std::vector<int>{1, 2}));
  EXPECT_TRUE(table_exists("mig_a"));
  EXPECT_TRUE(table_exists("mig_b"));
  auto rows = recorded();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1], std::make_pair(std::string{"0001_create_a"}, sha256_hex(create_a)));
  EXPECT_EQ(rows[2], std::make_pair(std::string{"0002_create_b"}, sha256_hex(create_b)));
}

TEST_F(MigratorTest, AppliesTheProjectMigrationsToAFreshDatabase) {
  auto all = load_migrations(DELTA_MIGRATIONS_DIR);
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all.front().version, 1);
  auto applied = apply_migrations(url(), all);
  ASSERT_EQ(applied.size(), all.size());
  for (std::size_t i = 0; i < all.size(); ++i) EXPECT_EQ(applied[i], all[i].version);
  EXPECT_TRUE(table_exists("securities"));
  EXPECT_EQ(recorded().size(), all.size());
  EXPECT_TRUE(apply_migrations(url(), all).empty());
}

TEST_F(MigratorTest, AppliesNothingWhenRunAgain) {
  dir->write("0001_create_a.sql", create_a);
  dir->write("0002_create_b.sql", create_b);
  auto all = load_migrations(dir->path());
  apply_migrations(url(), all);
  auto before = recorded();
  EXPECT_TRUE(apply_migrations(url(), all).empty());
  EXPECT_EQ(recorded(), before);
}

TEST_F(MigratorTest, AppliesOnlyMigrationsAddedSinceTheLastRun) {
  dir->write("0001_create_a.sql", create_a);
  EXPECT_EQ(apply_migrations(url(), load_migrations(dir->path())), std::vector<int>{1});
  dir->write("0002_create_b.sql", create_b);
  dir->write("0003_create_c.sql", create_c);
  EXPECT_EQ(apply_migrations(url(), load_migrations(dir->path())), (std::vector<int>{2, 3}));
  EXPECT_EQ(recorded().size(), 3u);
}

TEST_F(MigratorTest, RefusesAnAppliedMigrationWhoseFileChanged) {
  dir->write("0001_create_a.sql", create_a);
  apply_migrations(url(), load_migrations(dir->path()));
  dir->write("0001_create_a.sql", std::string{create_a} + "-- an innocent edit\n");
  dir->write("0002_create_b.sql", create_b);
  try {
    apply_migrations(url(), load_migrations(dir->path()));
    FAIL() << "a changed migration was accepted";
  } catch (const migration_error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("0001_create_a"), std::string::npos) << what;
    EXPECT_NE(what.find("checksum"), std::string::npos) << what;
  }
  EXPECT_FALSE(table_exists("mig_b")) << "nothing is applied after a refusal";
  EXPECT_EQ(recorded().size(), 1u);
}

TEST_F(MigratorTest, RefusesMalformedFileNames) {
  for (auto bad : {"1_init.sql", "0001-init.sql", "0001_Init.sql", "00001_init.sql", "abcd_init.sql",
                   "0001_.sql"}) {
    temp_dir d{"delta-migrations-bad-"};
    d.write(bad, "SELECT 1;");
    try {
      load_migrations(d.path());
      ADD_FAILURE() << bad << " was accepted";
    } catch (const migration_error& e) {
      EXPECT_NE(std::string{e.what()}.find(bad), std::string::npos) << e.what();
    }
  }
}

TEST_F(MigratorTest, RefusesTwoMigrationsWithTheSameVersion) {
  dir->write("0001_create_a.sql", create_a);
  dir->write("0001_create_b.sql", create_b);
  try {
    load_migrations(dir->path());
    FAIL() << "duplicate versions were accepted";
  } catch (const migration_error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("0001_create_a"), std::string::npos) << what;
    EXPECT_NE(what.find("0001_create_b"), std::string::npos) << what;
  }
}

TEST_F(MigratorTest, RefusesAMissingDirectory) {
  EXPECT_THROW(load_migrations(dir->path() / "nope"), migration_error);
}

TEST_F(MigratorTest, RollsBackAFailingMigrationAndStopsThere) {
  dir->write("0001_create_a.sql", create_a);
  // Creates its table, then fails: the table must not survive.
  dir->write("0002_create_b.sql", std::string{create_b} + "INSERT INTO mig_b VALUES (1, 999);\n");
  dir->write("0003_create_c.sql", create_c);
  try {
    apply_migrations(url(), load_migrations(dir->path()));
    FAIL() << "a failing migration was reported as applied";
  } catch (const migration_error& e) {
    EXPECT_NE(std::string{e.what()}.find("0002_create_b"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(table_exists("mig_a"));
  EXPECT_FALSE(table_exists("mig_b"));
  EXPECT_FALSE(table_exists("mig_c"));
  auto rows = recorded();
  EXPECT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows.count(2), 0u);

  // Once fixed, the rest applies.
  dir->write("0002_create_b.sql", create_b);
  EXPECT_EQ(apply_migrations(url(), load_migrations(dir->path())), (std::vector<int>{2, 3}));
}

TEST_F(MigratorTest, ConcurrentRunnersApplyEachMigrationExactlyOnce) {
  // Enough work per migration that four runners overlap.
  for (int v = 1; v <= 5; ++v) {
    char name[32];
    std::snprintf(name, sizeof name, "%04d_bulk_%d.sql", v, v);
    dir->write(name, "CREATE TABLE bulk_" + std::to_string(v) +
                         " AS SELECT g AS id, md5(g::text) AS h FROM generate_series(1, 50000) g;\n"
                         "CREATE INDEX ON bulk_" + std::to_string(v) + " (h);\n");
  }
  auto all = load_migrations(dir->path());
  constexpr int runners = 4;
  std::promise<void> go;
  std::shared_future<void> start = go.get_future().share();
  std::vector<std::future<std::vector<int>>> results;
  for (int i = 0; i < runners; ++i)
    results.push_back(std::async(std::launch::async, [&, start] {
      start.wait();
      return apply_migrations(url(), all);
    }));
  go.set_value();
  std::vector<int> applied;
  for (auto& r : results) {
    ASSERT_EQ(r.wait_for(std::chrono::seconds(120)), std::future_status::ready);
    std::vector<int> mine;
    ASSERT_NO_THROW(mine = r.get());
    applied.insert(applied.end(), mine.begin(), mine.end());
  }
  std::sort(applied.begin(), applied.end());
  EXPECT_EQ(applied, (std::vector<int>{1, 2, 3, 4, 5}));
  EXPECT_EQ(recorded().size(), 5u);
}

TEST_F(MigratorTest, ReportsPendingAppliedAndChangedMigrations) {
  dir->write("0001_create_a.sql", create_a);
  dir->write("0002_create_b.sql", create_b);
  auto all = load_migrations(dir->path());

  auto fresh = migrations_status(url(), all);
  ASSERT_EQ(fresh.size(), 2u);
  EXPECT_FALSE(fresh[0].applied);
  EXPECT_FALSE(fresh[1].applied);
  EXPECT_FALSE(fresh[0].applied_at);

  apply_migrations(url(), {all[0]});
  auto partly = migrations_status(url(), all);
  ASSERT_EQ(partly.size(), 2u);
  EXPECT_EQ(partly[0].version, 1);
  EXPECT_EQ(partly[0].name, "0001_create_a");
  EXPECT_TRUE(partly[0].applied);
  ASSERT_TRUE(partly[0].applied_at);
  EXPECT_EQ(partly[0].applied_at->back(), 'Z') << *partly[0].applied_at;
  EXPECT_FALSE(partly[0].changed);
  EXPECT_FALSE(partly[1].applied);

  dir->write("0001_create_a.sql", std::string{create_a} + "-- edited\n");
  auto changed = migrations_status(url(), load_migrations(dir->path()));
  EXPECT_TRUE(changed[0].applied);
  EXPECT_TRUE(changed[0].changed);
  EXPECT_FALSE(changed[1].changed);
}
