// The cluster's pure core at 3, 100 and 1,000 nodes (issue 13), with no
// sockets and no database: what the real classes do when there are more nodes
// than this machine can run.
//
// 1. The ring (actors/cluster/hash_ring): build time, memory, balance,
//    owner() cost, keys moved by a join and by a leave against the ideal 1/N,
//    and the worst balance at 3 members over many random id sets.
// 2. Membership (actors/cluster/membership): every node runs a real
//    membership_view. A discrete-event simulation stands in for the rest:
//    a cluster_nodes table with its own clock, each node writing its heartbeat
//    and reading the table every heartbeat_interval at a random phase (1 ms a
//    query, 1 ms more for a write to land), a full mesh of links that open in
//    2 ms, a killed process's links dropping 2 ms after the kill, and a frozen
//    one's after the middleman's heartbeat-interval + connection-timeout
//    (500 ms + 2 s, measured in CAF-NOTES.md: ~2.5 s). Handover itself is not
//    modelled (a drain hands over in no time). For each change it reports when
//    the table says so and when the last node's ring and status list agree.
//
// Usage: delta_cluster_sim [--seeds N] [--balance-sets N] [--sizes 3,100,1000]

#include "actors/cluster/hash_ring.hpp"
#include "actors/cluster/membership.hpp"
#include "actors/cluster/node_id.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <map>
#include <memory>
#include <numeric>
#include <optional>
#include <queue>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

using namespace delta::cluster;
using namespace std::chrono_literals;
using wall = std::chrono::steady_clock;

namespace {

// ---- options -------------------------------------------------------------------

struct options {
  int seeds = 5;
  int balance_sets = 10'000;
  std::vector<int> sizes{3, 100, 1000};
};

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--seeds") o.seeds = std::max(1, std::atoi(argv[i + 1]));
    else if (flag == "--balance-sets") o.balance_sets = std::max(1, std::atoi(argv[i + 1]));
    else if (flag == "--sizes") {
      o.sizes.clear();
      for (char* p = std::strtok(argv[i + 1], ","); p; p = std::strtok(nullptr, ","))
        o.sizes.push_back(std::atoi(p));
    } else {
      std::fprintf(stderr, "usage: %s [--seeds N] [--balance-sets N] [--sizes 3,100,1000]\n", argv[0]);
      std::exit(2);
    }
  }
  return o;
}

double seconds_since(wall::time_point start) {
  return std::chrono::duration<double>(wall::now() - start).count();
}

// This thread's CPU time: what a cost is, on a machine shared with other
// builds (wall time there says more about the neighbours).
double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

double maximum(const std::vector<double>& v) {
  return v.empty() ? 0 : *std::max_element(v.begin(), v.end());
}

// n distinct random node ids of any length the API allows (node_id.hpp).
std::vector<std::string> random_ids(std::mt19937_64& rng, int n) {
  std::set<std::string> ids;
  while (static_cast<int>(ids.size()) < n) {
    auto length = 1 + rng() % max_node_id_length;
    std::string id;
    while (id.size() < length) id += node_id_alphabet[rng() % node_id_alphabet.size()];
    ids.insert(id);
  }
  return {ids.begin(), ids.end()};
}

// ---- 1. the ring -----------------------------------------------------------------

struct ring_figures {
  int members = 0;
  int vnodes = 0;
  double build_ms = 0;
  double rebuild_ms = 0;  // the ring after a join, from the previous one
  std::size_t bytes = 0;
  double min_share = 0, max_share = 0;  // relative to the fair share
  double owner_ns = 0;
  double join_moved = 0, leave_moved = 0;  // mean fraction of keys
  std::size_t strays = 0;  // keys a change moved that it should not have
};

double owner_cost_ns(const hash_ring& ring, const std::vector<std::string>& keys) {
  constexpr int rounds = 10;
  std::uintptr_t sink = 0;
  double start = cpu_seconds();
  for (int r = 0; r < rounds; ++r)
    for (const auto& k : keys) sink += reinterpret_cast<std::uintptr_t>(ring.owner(k));
  double ns = (cpu_seconds() - start) * 1e9 / (rounds * keys.size());
  if (sink == 1) std::puts("");  // keeps the lookups
  return ns;
}

// Fraction of `keys` whose owner differs; counts in `strays` those that moved
// somewhere other than `only_to` (a joiner) or away from other than `only_from`.
double moved_fraction(const hash_ring& before, const hash_ring& after,
                      const std::vector<std::string>& keys, const std::string* only_to,
                      const std::string* only_from, std::size_t& strays) {
  std::size_t moved = 0;
  for (const auto& k : keys) {
    const std::string& was = *before.owner(k);
    const std::string& now = *after.owner(k);
    if (was == now) continue;
    ++moved;
    if ((only_to && now != *only_to) || (only_from && was != *only_from)) ++strays;
  }
  return static_cast<double>(moved) / keys.size();
}

ring_figures measure_ring(int n, int vnodes, std::mt19937_64& rng,
                          const std::vector<std::string>& keys) {
  ring_figures f;
  f.members = n;
  f.vnodes = vnodes;
  auto ids = random_ids(rng, n + 1);
  std::string joiner = ids.back();
  ids.pop_back();

  double start = cpu_seconds();
  hash_ring ring{ids, vnodes};
  f.build_ms = (cpu_seconds() - start) * 1e3;
  f.bytes = ring.memory_bytes();
  auto shares = ring.shares();
  auto [lo, hi] = std::minmax_element(shares.begin(), shares.end(),
                                      [](const auto& a, const auto& b) { return a.second < b.second; });
  f.min_share = lo->second * n;
  f.max_share = hi->second * n;
  f.owner_ns = owner_cost_ns(ring, keys);

  auto with_joiner = ids;
  with_joiner.push_back(joiner);
  start = cpu_seconds();
  hash_ring joined{ring, with_joiner};
  f.rebuild_ms = (cpu_seconds() - start) * 1e3;
  f.join_moved = moved_fraction(ring, joined, keys, &joiner, nullptr, f.strays);
  if (n > 1) {
    std::string leaver = ids[rng() % ids.size()];
    auto without = ids;
    without.erase(std::find(without.begin(), without.end(), leaver));
    f.leave_moved = moved_fraction(ring, hash_ring{without, vnodes}, keys, nullptr, &leaver, f.strays);
  }
  return f;
}

void print_ring_table(const std::vector<ring_figures>& rows, std::size_t key_count) {
  std::printf("### Ring\n\n");
  std::printf("Keys: %zu random `bucket:key:` keys; one random member joins, one random member "
              "leaves. *build*: from scratch; *after a join*: from the previous ring "
              "(`hash_ring(previous, members)`). Times are the thread's CPU time, page faults included.\n\n", key_count);
  std::printf("| members | vnodes | build | after a join | memory | min / max share vs fair | owner() | keys moved by a join (ideal 1/(N+1)) | by a leave (ideal 1/N) | keys moved elsewhere |\n");
  std::printf("|---:|---:|---:|---:|---:|---|---:|---|---|---:|\n");
  for (const auto& f : rows) {
    std::printf("| %d | %d | %.1f ms | %.1f ms | %.2f MiB | %.3f / %.3f | %.0f ns | %.4f (%.4f) | ",
                f.members, f.vnodes, f.build_ms, f.rebuild_ms, f.bytes / 1048576.0, f.min_share, f.max_share, f.owner_ns,
                f.join_moved, 1.0 / (f.members + 1));
    if (f.members > 1)
      std::printf("%.4f (%.4f) | %zu |\n", f.leave_moved, 1.0 / f.members, f.strays);
    else
      std::printf("- | %zu |\n", f.strays);
  }
  std::printf("\n");
}

void print_worst_balance(int sets) {
  std::printf("### Balance at 3 members over %d random id sets\n\n", sets);
  std::printf("| vnodes | worst share off a third | standard deviation |\n|---:|---:|---:|\n");
  for (int vnodes : {1024, 2048, hash_ring::default_vnodes}) {
    std::mt19937_64 rng{2024};
    double worst = 0, squares = 0;
    for (int s = 0; s < sets; ++s)
      for (const auto& [id, share] : hash_ring{random_ids(rng, 3), vnodes}.shares()) {
        double off = share * 3 - 1;
        worst = std::max(worst, std::abs(off));
        squares += off * off;
      }
    std::printf("| %d | %.1f%% | %.2f%% |\n", vnodes, worst * 100,
                std::sqrt(squares / (3.0 * sets)) * 100);
  }
  std::printf("\n");
}

// ---- 2. membership ----------------------------------------------------------------

constexpr int query_ms = 1;        // a heartbeat write + table read, round trip
constexpr int write_ms = 1;        // a status write, from being asked to landing
constexpr int connect_ms = 2;      // a middleman link opening
constexpr int kill_link_ms = 2;    // a killed process's links dropping
constexpr int frozen_connect_timeout_ms = 1000;  // a connect to a frozen node, bounded

const local_clock::time_point local_epoch = local_clock::time_point{} + 1000h;
const db_clock::time_point db_epoch = db_clock::time_point{} + 480'000h;

enum class scenario { kill, freeze, join, drain };

const char* name_of(scenario s) {
  switch (s) {
    case scenario::kill: return "kill -9";
    case scenario::freeze: return "SIGSTOP";
    case scenario::join: return "join";
    case scenario::drain: return "drain";
  }
  return "?";
}

struct outcome {
  double table_ms = -1;   // the table says so: down, up, left
  double rings_ms = -1;   // the last node's ring agrees
  double listed_ms = -1;  // the last node lists the new status (kill, freeze)
  int max_ring_changes = 0;  // per node, during the scenario (1 = no flapping)
  bool agree = false;        // every live node's ring equal at the end
};

class membership_sim {
 public:
  membership_sim(int n, std::uint64_t seed) : rng_{seed} {
    for (int i = 0; i < n; ++i) add_node("node-" + std::to_string(i), node_status::up, 0);
    for (int a = 0; a < n; ++a)  // a formed cluster: every link up before the first poll
      for (int b = a + 1; b < n; ++b) {
        links_.insert(pair_key(a, b));
        nodes_[a]->view.link_up(nodes_[b]->id, local(a, 0));
        nodes_[b]->view.link_up(nodes_[a]->id, local(b, 0));
      }
    for (int i = 0; i < n; ++i) schedule(nodes_[i]->phase, [this, i] { poll(i); });
  }

  outcome run(scenario s) {
    run_until(3'000);  // long enough for every node to judge (rule 2)
    std::vector<std::string> everyone;
    for (const auto& n : nodes_) everyone.push_back(n->id);
    std::sort(everyone.begin(), everyone.end());
    for (const auto& n : nodes_)
      if (n->view.ring_members(local(index_of(n->id), now_)) != everyone) std::puts("not formed");

    t0_ = now_ + static_cast<int>(rng_() % 500);
    run_until(t0_);
    begin(s);
    run_until(t0_ + 5'000);
    return finish(s);
  }

 private:
  struct sim_node {
    sim_node(std::string node, membership_view v, int ph, std::int64_t offset)
        : id{std::move(node)}, view{std::move(v)}, phase{ph}, clock_offset_ms{offset} {}
    std::string id;
    membership_view view;
    int phase;
    std::int64_t clock_offset_ms;  // local clocks are unrelated to each other and to the db
    enum class state { alive, killed, frozen } st = state::alive;
    std::optional<std::int64_t> ring_ms, listed_ms;
    int ring_changes = 0;
  };
  struct event {
    std::int64_t at;
    std::uint64_t seq;
    std::function<void()> run;
    bool operator>(const event& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };

  static std::uint64_t pair_key(int a, int b) {
    if (a > b) std::swap(a, b);
    return (static_cast<std::uint64_t>(a) << 32) | static_cast<std::uint32_t>(b);
  }

  local_clock::time_point local(int i, std::int64_t t) const {
    return local_epoch + std::chrono::milliseconds(t + nodes_[i]->clock_offset_ms);
  }
  db_clock::time_point db(std::int64_t t) const { return db_epoch + std::chrono::milliseconds(t); }
  int index_of(const std::string& id) const { return index_.at(id); }
  node_row& row(const std::string& id) { return table_.rows[row_index_.at(id)]; }
  bool alive(int i) const { return nodes_[i]->st == sim_node::state::alive; }

  void schedule(std::int64_t at, std::function<void()> f) { queue_.push({at, seq_++, std::move(f)}); }

  void run_until(std::int64_t until) {
    while (!queue_.empty() && queue_.top().at <= until) {
      auto e = queue_.top();
      queue_.pop();
      now_ = e.at;
      e.run();
    }
    now_ = until;
  }

  int add_node(const std::string& id, node_status status, std::int64_t at) {
    int i = static_cast<int>(nodes_.size());
    int phase = static_cast<int>(rng_() % 500);
    std::int64_t offset = static_cast<std::int64_t>(rng_() % 3'600'000);
    auto started = local_epoch + std::chrono::milliseconds(at + offset);
    nodes_.push_back(std::make_unique<sim_node>(id, membership_view{id, {}, started}, phase, offset));
    index_[id] = i;
    row_index_[id] = table_.rows.size();
    table_.rows.push_back({id, id + ":7000", id + ":8080", status, db(at), db(at)});
    return i;
  }

  // One heartbeat write and table read, as the shell does every interval.
  void poll(int i) {
    auto& n = *nodes_[i];
    if (n.st == sim_node::state::killed) return;
    if (n.st == sim_node::state::frozen) return;  // its timer never fires again here
    if (n.view.self_status() == node_status::left) {
      exit_process(i);  // a drained node exits 0 once it has left
      return;
    }
    schedule(now_ + 500, [this, i] { poll(i); });
    auto& r = row(n.id);
    bool refused = r.status == node_status::down || r.status == node_status::left;
    if (!refused) r.heartbeat_at = db(now_);
    auto done = local(i, now_ + query_ms);
    carry_out(i, refused ? n.view.heartbeat_refused(done) : n.view.heartbeat_written(local(i, now_), done));
    table_.db_now = db(now_);
    table_.issued_at = local(i, now_);
    carry_out(i, n.view.observe(table_, done));
    if (watching_ && !n.listed_ms && i != target_ && n.view.status_of(nodes_[target_]->id) == expected_status_)
      n.listed_ms = now_ + query_ms;
  }

  void carry_out(int i, membership_actions actions) {
    for (auto& a : actions) std::visit([&](auto& x) { act(i, x); }, a);
  }

  void act(int i, const mark_down& m) {
    schedule(now_ + query_ms + write_ms, [this, target = m.node] {
      auto& r = row(target);
      bool claims_alive = r.status == node_status::joining || r.status == node_status::up ||
                          r.status == node_status::draining;
      if (claims_alive && r.heartbeat_at < db(now_) - 2000ms) set_status(target, node_status::down);
    });
  }
  void act(int i, const set_self_status& s) {
    schedule(now_ + query_ms + write_ms, [this, id = nodes_[i]->id, s] {
      if (row(id).status == s.from) set_status(id, s.to);
    });
  }
  void act(int i, const connect_to& c) {
    int j = index_of(c.node);
    bool frozen = nodes_[j]->st == sim_node::state::frozen;
    schedule(now_ + query_ms + (frozen ? frozen_connect_timeout_ms : connect_ms), [this, i, j] {
      if (!alive(i)) return;
      if (!alive(j)) {
        carry_out(i, nodes_[i]->view.connect_failed(nodes_[j]->id, local(i, now_)));
        return;
      }
      bool fresh = links_.insert(pair_key(i, j)).second;
      carry_out(i, nodes_[i]->view.link_up(nodes_[j]->id, local(i, now_)));
      if (fresh) carry_out(j, nodes_[j]->view.link_up(nodes_[i]->id, local(j, now_)));
    });
  }
  void act(int i, const disconnect_from& d) {
    schedule(now_ + query_ms + 1, [this, i, j = index_of(d.node)] { drop_link(i, j); });
  }
  void act(int i, const start_drain&) {
    schedule(now_ + query_ms, [this, i] {
      if (alive(i)) carry_out(i, nodes_[i]->view.handover_done(local(i, now_)));
    });
  }
  void act(int, const stop_owning&) {}
  void act(int i, const ring_changed& r) {
    auto& n = *nodes_[i];
    if (!watching_) return;
    if (!r.before.empty()) ++n.ring_changes;  // a joiner's first ring is not a change
    bool has = std::binary_search(r.after.begin(), r.after.end(), nodes_[target_]->id);
    if (has == expect_in_ring_) n.ring_ms = now_ + query_ms;
    else n.ring_ms.reset();
  }

  void exit_process(int i) {
    nodes_[i]->st = sim_node::state::killed;
    for (int j = 0; j < static_cast<int>(nodes_.size()); ++j)
      if (j != i && links_.count(pair_key(i, j)))
        schedule(now_ + kill_link_ms, [this, i, j] { drop_link(i, j); });
  }

  void drop_link(int i, int j) {
    if (!links_.erase(pair_key(i, j))) return;
    if (alive(i)) carry_out(i, nodes_[i]->view.link_down(nodes_[j]->id, local(i, now_)));
    if (alive(j)) carry_out(j, nodes_[j]->view.link_down(nodes_[i]->id, local(j, now_)));
  }

  void set_status(const std::string& id, node_status s) {
    row(id).status = s;
    if (watching_ && id == nodes_[target_]->id && s == expected_row_ && table_ms_ < 0)
      table_ms_ = static_cast<double>(now_ - t0_);
  }

  void watch(int target, bool in_ring, node_status row_status) {
    target_ = target;
    expect_in_ring_ = in_ring;
    expected_row_ = row_status;
    expected_status_ = row_status;
    watching_ = true;
  }

  void begin(scenario s) {
    int victim = static_cast<int>(rng_() % nodes_.size());
    switch (s) {
      case scenario::kill:
      case scenario::freeze: {
        watch(victim, false, node_status::down);
        if (s == scenario::kill) {
          exit_process(victim);
          break;
        }
        nodes_[victim]->st = sim_node::state::frozen;
        for (int j = 0; j < static_cast<int>(nodes_.size()); ++j) {
          if (j == victim || !links_.count(pair_key(victim, j))) continue;
          // Each peer's middleman notices on its own heartbeat tick.
          int after = 2'000 + static_cast<int>(rng_() % 500);
          schedule(now_ + after, [this, victim, j] { drop_link(victim, j); });
        }
        break;
      }
      case scenario::join: {
        int j = add_node("node-joiner", node_status::joining, now_);
        watch(j, true, node_status::up);
        schedule(now_, [this, j] { poll(j); });  // a node polls once as it starts
        break;
      }
      case scenario::drain:
        watch(victim, false, node_status::left);
        expected_status_ = node_status::left;
        set_status(nodes_[victim]->id, node_status::draining);  // the admin route's write
        break;
    }
  }

  outcome finish(scenario s) {
    outcome o;
    o.table_ms = table_ms_;
    std::vector<double> rings, listed;
    std::optional<std::vector<std::string>> first;
    o.agree = true;
    for (int i = 0; i < static_cast<int>(nodes_.size()); ++i) {
      auto& n = *nodes_[i];
      if (!alive(i)) continue;
      auto ring = n.view.ring_members(local(i, now_));
      if (!first) first = ring;
      if (ring != *first) o.agree = false;
      if (i != target_ || s == scenario::join) {
        rings.push_back(n.ring_ms ? static_cast<double>(*n.ring_ms - t0_) : 1e9);
        o.max_ring_changes = std::max(o.max_ring_changes, n.ring_changes);
      }
      if (i != target_ && (s == scenario::kill || s == scenario::freeze))
        listed.push_back(n.listed_ms ? static_cast<double>(*n.listed_ms - t0_) : 1e9);
    }
    o.rings_ms = maximum(rings);
    if (!listed.empty()) o.listed_ms = maximum(listed);
    return o;
  }

  std::mt19937_64 rng_;
  std::vector<std::unique_ptr<sim_node>> nodes_;
  std::unordered_map<std::string, int> index_;
  std::unordered_map<std::string, std::size_t> row_index_;
  table_snapshot table_;
  std::unordered_set<std::uint64_t> links_;
  std::priority_queue<event, std::vector<event>, std::greater<>> queue_;
  std::uint64_t seq_ = 0;
  std::int64_t now_ = 0, t0_ = 0;
  bool watching_ = false;
  int target_ = 0;
  bool expect_in_ring_ = false;
  node_status expected_row_ = node_status::down, expected_status_ = node_status::down;
  double table_ms_ = -1;
};

void print_membership(const options& opt) {
  std::printf("### Membership: time from the change to agreement\n\n");
  std::printf("heartbeat_interval 500 ms, failure_timeout 2000 ms; %d runs per row (random phases, "
              "victim and clock offsets), median / max in ms after the change. *table*: the row "
              "says down / up / left; *rings*: the last live node's ring agrees; *listed*: the last "
              "live node lists the node down.\n\n", opt.seeds);
  std::printf("| nodes | change | table | rings | listed | ring changes per node | all rings equal |\n");
  std::printf("|---:|---|---:|---:|---:|---:|---|\n");
  for (int n : opt.sizes) {
    for (auto s : {scenario::kill, scenario::freeze, scenario::join, scenario::drain}) {
      std::vector<double> table, rings, listed;
      int changes = 0, agree = 0;
      for (int seed = 0; seed < opt.seeds; ++seed) {
        membership_sim sim{n, static_cast<std::uint64_t>(1000 * n + seed)};
        auto o = sim.run(s);
        table.push_back(o.table_ms);
        rings.push_back(o.rings_ms);
        if (o.listed_ms >= 0) listed.push_back(o.listed_ms);
        changes = std::max(changes, o.max_ring_changes);
        agree += o.agree;
      }
      std::printf("| %d | %s | %.0f / %.0f | %.0f / %.0f | ", n, name_of(s), median(table),
                  maximum(table), median(rings), maximum(rings));
      if (listed.empty()) std::printf("- | ");
      else std::printf("%.0f / %.0f | ", median(listed), maximum(listed));
      std::printf("%d | %d/%d |\n", changes, agree, opt.seeds);
    }
    std::fflush(stdout);
  }
  std::printf("\n");
}

// CPU time of one observe() of an n-row table in which every node is up and
// fresh (a node's steady state: one every heartbeat interval).
double observe_cost_us(int n) {
  table_snapshot table{{}, db_epoch, local_epoch};
  for (int i = 0; i < n; ++i) {
    std::string id = "node-" + std::to_string(i);
    table.rows.push_back({id, id + ":7000", id + ":8080", node_status::up, db_epoch, db_epoch});
  }
  // The same loop with and without observe(): reading a CPU clock costs more
  // than observing three rows.
  auto loop = [&](bool observe) {
    membership_view view{table.rows.front().node_id, {}, local_epoch};
    int rounds = std::max(200, 200'000 / n);
    double start = cpu_seconds();
    for (int r = 0; r < rounds; ++r) {
      auto step = std::chrono::milliseconds(500 * r);
      table.db_now = db_epoch + step;
      table.issued_at = local_epoch + step;
      for (auto& row : table.rows) row.heartbeat_at = table.db_now;
      view.heartbeat_written(table.issued_at, table.issued_at);
      if (observe) view.observe(table, table.issued_at);
    }
    return (cpu_seconds() - start) / rounds;
  };
  return std::max(0.0, loop(true) - loop(false)) * 1e6;
}

void print_load(const options& opt) {
  std::printf("### What the membership costs the database, the network and each node\n\n");
  std::printf("| nodes | links (full mesh) | heartbeat writes/s | table rows read/s | one observe() of the table (CPU) |\n");
  std::printf("|---:|---:|---:|---:|---:|\n");
  for (long n : opt.sizes)
    std::printf("| %ld | %ld | %ld | %ld | %.1f µs |\n", n, n * (n - 1) / 2, n * 2, n * n * 2,
                observe_cost_us(static_cast<int>(n)));
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  auto opt = parse(argc, argv);
  auto start = wall::now();

  std::mt19937_64 rng{13};
  std::vector<std::string> keys;
  for (int i = 0; i < 200'000; ++i) keys.push_back("bucket:key:" + std::to_string(rng()));
  std::vector<ring_figures> rows;
  for (int n : opt.sizes) rows.push_back(measure_ring(n, hash_ring::default_vnodes, rng, keys));
  if (std::find(opt.sizes.begin(), opt.sizes.end(), 1000) != opt.sizes.end())
    rows.push_back(measure_ring(1000, 256, rng, keys));  // a smaller ring for a large cluster
  print_ring_table(rows, keys.size());
  print_worst_balance(opt.balance_sets);
  std::fflush(stdout);

  print_membership(opt);
  print_load(opt);
  std::printf("Simulated in %.0f s of wall time.\n", seconds_since(start));
}
