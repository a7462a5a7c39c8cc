// init_process_group: where the ranks meet (env://, tcp://, file:// or a given store), the
// checks that every rank joined with the same world size, and the default group.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "ember/core/error.h"
#include "ember/distributed/init.h"
#include "world.h"

namespace ember::distributed {

namespace detail {

World& world() {
  static World w;
  return w;
}

ProcessGroupPtr resolve(const ProcessGroupPtr& group) {
  if (group) return group;
  std::lock_guard<std::mutex> lock(world().mutex);
  if (!world().default_group)
    throw Error(
        "Default process group has not been initialized, please make sure to call "
        "init_process_group.");
  return world().default_group;
}

}  // namespace detail

namespace {

std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) return std::nullopt;
  return std::string(v);
}

int env_int(const char* name, const std::string& method) {
  const auto v = env(name);
  if (!v)
    throw Error(fmt::format("Error initializing ember.distributed using {} rendezvous: "
                            "environment variable {} expected, but not set",
                            method, name),
                ErrorKind::Value);
  try {
    return std::stoi(*v);
  } catch (const std::exception&) {
    throw Error(fmt::format("init_process_group: environment variable {} is '{}', not an integer",
                            name, *v),
                ErrorKind::Value);
  }
}

bool is_loopback(const std::string& host) {
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1";
}

// Ranks that meet at a loopback store run on this machine: Gloo listens on the loopback address
// too. Otherwise it uses GLOO_SOCKET_IFNAME's interface or this host's name (empty).
std::string local_hostname(const Store& store) {
  auto* tcp = dynamic_cast<const TCPStore*>(&store);
  return tcp && is_loopback(tcp->host()) && !env("GLOO_SOCKET_IFNAME") ? "127.0.0.1" : "";
}

uint16_t parse_port(const std::string& text, const std::string& where) {
  try {
    const int port = std::stoi(text);
    if (port >= 0 && port < 65536) return static_cast<uint16_t>(port);
  } catch (const std::exception&) {
  }
  throw Error(fmt::format("init_process_group: '{}' in {} is not a port number", text, where),
              ErrorKind::Value);
}

// Every rank writes its world size under its rank and waits for the others; a rank missing at
// the timeout, or one started with another world size, is named.
void check_membership(Store& store, int rank, int world_size, std::chrono::milliseconds timeout) {
  const auto key = [](int r) { return fmt::format("members/{}", r); };
  store.set(key(rank), std::to_string(world_size));
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<int> missing;
  for (int r = 0; r < world_size; ++r) missing.push_back(r);
  while (true) {
    std::vector<int> still;
    for (int r : missing) {
      if (!store.check({key(r)})) {
        still.push_back(r);
        continue;
      }
      const auto v = store.get(key(r));
      const int theirs = std::stoi(std::string(v.begin(), v.end()));
      if (theirs != world_size)
        throw Error(fmt::format("init_process_group: rank {} was started with world_size {}, but "
                                "rank {} with world_size {}",
                                r, theirs, rank, world_size),
                    ErrorKind::Value);
    }
    missing = std::move(still);
    if (missing.empty()) return;
    if (std::chrono::steady_clock::now() > deadline)
      throw Error(
          fmt::format("init_process_group: timed out after {} ms on rank {} waiting for "
                      "rank{} {} to join (world_size {})",
                      timeout.count(), rank, missing.size() > 1 ? "s" : "",
                      fmt::join(missing, ", "), world_size));
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace

void init_process_group(const InitProcessGroupOptions& options) {
  auto& w = detail::world();
  {
    std::lock_guard<std::mutex> lock(w.mutex);
    if (w.default_group) throw Error("trying to initialize the default process group twice!");
  }
  if (options.backend != "gloo")
    throw Error(fmt::format("init_process_group: backend '{}' is not available; Ember has "
                            "'gloo'",
                            options.backend),
                ErrorKind::Value);
  std::string method = options.init_method;
  if (method.empty() && !options.store) method = "env://";
  int rank = options.rank, world_size = options.world_size;
  if (rank < 0 && (method == "env://" || env("RANK"))) rank = env_int("RANK", method);
  if (world_size < 0 && (method == "env://" || env("WORLD_SIZE")))
    world_size = env_int("WORLD_SIZE", method);
  if (rank < 0 || world_size < 1)
    throw Error(fmt::format("init_process_group: rank and world_size must be given (got rank {}, "
                            "world_size {})",
                            rank, world_size),
                ErrorKind::Value);
  if (rank >= world_size)
    throw Error(
        fmt::format("init_process_group: rank {} is not below world_size {}", rank, world_size),
        ErrorKind::Value);

  ProcessGroupOptions group_options;
  group_options.timeout = options.timeout;
  std::shared_ptr<Store> store = options.store;
  if (!store) {
    std::string host;
    uint16_t port = 0;
    if (method == "env://") {
      host = env("MASTER_ADDR").value_or("");
      if (host.empty()) env_int("MASTER_ADDR", method);  // raises the missing-variable error
      port = parse_port(std::to_string(env_int("MASTER_PORT", method)), "MASTER_PORT");
    } else if (method.rfind("tcp://", 0) == 0) {
      const std::string rest = method.substr(6);
      const auto colon = rest.rfind(':');
      if (colon == std::string::npos)
        throw Error(fmt::format("init_process_group: {} has no port (tcp://host:port)", method),
                    ErrorKind::Value);
      host = rest.substr(0, colon);
      if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
      port = parse_port(rest.substr(colon + 1), method);
    } else if (method.rfind("file://", 0) == 0) {
      store = std::make_shared<FileStore>(method.substr(7), world_size, options.timeout);
    } else {
      throw Error(fmt::format("init_process_group: no rendezvous handler for {} (Ember knows "
                              "env://, tcp:// and file://)",
                              method),
                  ErrorKind::Value);
    }
    if (!store) {
      TCPStoreOptions store_options;
      store_options.is_master = rank == 0;
      store_options.timeout = options.timeout;
      auto tcp = std::make_shared<TCPStore>(host, port, store_options);
      tcp->register_rank(rank);
      store = tcp;
    }
  }
  group_options.hostname = local_hostname(*store);
  auto default_store = std::make_shared<PrefixStore>("default_pg", store);
  check_membership(*default_store, rank, world_size, options.timeout);
  auto group = std::make_shared<ProcessGroup>(default_store, rank, world_size, group_options);
  std::lock_guard<std::mutex> lock(w.mutex);
  w.store = store;
  w.default_group = group;
  w.groups_made = 0;
}

void destroy_process_group(const ProcessGroupPtr& group) {
  auto& w = detail::world();
  std::lock_guard<std::mutex> lock(w.mutex);
  if (group && group != w.default_group) return;  // its handle goes when the caller drops it
  if (!w.default_group) throw Error("Invalid process group specified", ErrorKind::Value);
  if (auto* tcp = dynamic_cast<TCPStore*>(w.store.get())) {
    try {
      tcp->unregister_rank();
    } catch (const Error&) {
      // The store's host has already left; there is no one to say goodbye to.
    }
  }
  w.default_group.reset();
  w.store.reset();
}

bool is_initialized() {
  std::lock_guard<std::mutex> lock(detail::world().mutex);
  return detail::world().default_group != nullptr;
}

bool is_gloo_available() { return true; }

ProcessGroupPtr default_group() { return detail::resolve(nullptr); }

int get_rank(const ProcessGroupPtr& group) { return detail::resolve(group)->rank(); }

int get_world_size(const ProcessGroupPtr& group) {
  auto g = detail::resolve(group);
  return g->is_member() ? g->size() : -1;
}

std::string get_backend(const ProcessGroupPtr& group) { return detail::resolve(group)->backend(); }

ProcessGroupPtr new_group(std::vector<int> ranks, std::chrono::milliseconds timeout) {
  auto parent = detail::resolve(nullptr);
  auto& w = detail::world();
  std::shared_ptr<Store> store;
  int64_t index;
  {
    std::lock_guard<std::mutex> lock(w.mutex);
    store = w.store;
    index = ++w.groups_made;
  }
  if (ranks.empty())
    for (int r = 0; r < parent->size(); ++r) ranks.push_back(r);
  std::sort(ranks.begin(), ranks.end());
  for (size_t i = 0; i < ranks.size(); ++i)
    if (ranks[i] < 0 || ranks[i] >= parent->size() || (i > 0 && ranks[i] == ranks[i - 1]))
      throw Error(fmt::format("new_group: ranks {} must be distinct ranks below the world size {}",
                              ranks, parent->size()),
                  ErrorKind::Value);
  const auto me = std::find(ranks.begin(), ranks.end(), parent->rank());
  if (me == ranks.end()) return ProcessGroup::non_member(ranks);
  ProcessGroupOptions group_options;
  group_options.timeout = timeout.count() > 0 ? timeout : parent->timeout();
  group_options.hostname = local_hostname(*store);
  return std::make_shared<ProcessGroup>(
      std::make_shared<PrefixStore>(fmt::format("group_{}", index), store),
      static_cast<int>(me - ranks.begin()), static_cast<int>(ranks.size()), group_options, ranks);
}

std::vector<int64_t> lost_ranks() {
  std::shared_ptr<Store> store;
  {
    std::lock_guard<std::mutex> lock(detail::world().mutex);
    store = detail::world().store;
  }
  auto* tcp = dynamic_cast<TCPStore*>(store.get());
  return tcp ? tcp->lost_ranks() : std::vector<int64_t>{};
}

}  // namespace ember::distributed
