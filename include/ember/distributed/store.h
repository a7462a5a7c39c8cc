#pragma once
/// Key-value stores through which the processes of a group find each other (torch.distributed's
/// Store, TCPStore, FileStore and PrefixStore). Every method is safe to call from several threads.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace ember::distributed {

/// The store timeout when none is given (torch's default_pg_timeout).
inline constexpr std::chrono::milliseconds kDefaultTimeout = std::chrono::minutes(30);

class Store {
 public:
  explicit Store(std::chrono::milliseconds timeout = kDefaultTimeout) : timeout_(timeout) {}
  virtual ~Store() = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  virtual void set(const std::string& key, const std::vector<uint8_t>& value) = 0;
  void set(const std::string& key, const std::string& value);
  /// The value of key, waiting up to timeout() for some process to set it.
  virtual std::vector<uint8_t> get(const std::string& key) = 0;
  /// Adds delta to the integer stored at key (0 when missing) and returns the sum.
  virtual int64_t add(const std::string& key, int64_t delta) = 0;
  /// Whether every key is set, without waiting.
  virtual bool check(const std::vector<std::string>& keys) = 0;
  /// Waits until every key is set; an Error naming the missing keys after `timeout`.
  virtual void wait(const std::vector<std::string>& keys, std::chrono::milliseconds timeout) = 0;
  void wait(const std::vector<std::string>& keys) { wait(keys, timeout_); }
  /// Removes key; false when it was not set.
  virtual bool delete_key(const std::string& key) = 0;

  std::chrono::milliseconds timeout() const { return timeout_; }
  void set_timeout(std::chrono::milliseconds timeout) { timeout_ = timeout; }

 private:
  std::chrono::milliseconds timeout_;
};

struct TCPStoreOptions {
  /// The master listens on the port; the others connect to host:port.
  bool is_master = false;
  /// When set, the master waits in its constructor until this many processes (itself
  /// included) have connected.
  int64_t num_workers = -1;
  std::chrono::milliseconds timeout = kDefaultTimeout;
  bool wait_for_workers = true;
};

/// A store served over TCP by the master process: the master runs the server on a thread of its
/// own and talks to it like every other client.
class TCPStore final : public Store {
 public:
  TCPStore(std::string host, uint16_t port, const TCPStoreOptions& options = {});
  ~TCPStore() override;

  void set(const std::string& key, const std::vector<uint8_t>& value) override;
  using Store::set;
  std::vector<uint8_t> get(const std::string& key) override;
  int64_t add(const std::string& key, int64_t delta) override;
  bool check(const std::vector<std::string>& keys) override;
  void wait(const std::vector<std::string>& keys, std::chrono::milliseconds timeout) override;
  using Store::wait;
  bool delete_key(const std::string& key) override;

  /// Names this connection after a rank, so the server can tell which rank's process went away
  /// (lost_ranks) when its connection closes without a goodbye.
  void register_rank(int64_t rank);
  /// The ranks whose registered connections closed without a goodbye.
  std::vector<int64_t> lost_ranks();
  /// Says goodbye: this rank's connection closing is no longer a loss.
  void unregister_rank();

  const std::string& host() const { return host_; }
  uint16_t port() const { return port_; }

 private:
  class Server;
  class Connection;
  std::string host_;
  uint16_t port_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<Connection> connection_;
};

/// A store in a folder of a shared file system (one file per key): processes on machines that
/// share it meet there. With num_workers (torch's world_size), the last of that many stores to
/// be destroyed deletes the keys' files and the folder, so a later run starts clean; with -1
/// they stay.
class FileStore final : public Store {
 public:
  explicit FileStore(const std::string& path, int num_workers = -1,
                     std::chrono::milliseconds timeout = kDefaultTimeout);
  FileStore(const std::string& path, std::chrono::milliseconds timeout)
      : FileStore(path, -1, timeout) {}
  ~FileStore() override;

  void set(const std::string& key, const std::vector<uint8_t>& value) override;
  using Store::set;
  std::vector<uint8_t> get(const std::string& key) override;
  int64_t add(const std::string& key, int64_t delta) override;
  bool check(const std::vector<std::string>& keys) override;
  void wait(const std::vector<std::string>& keys, std::chrono::milliseconds timeout) override;
  using Store::wait;
  bool delete_key(const std::string& key) override;

 private:
  std::string path_;
  int num_workers_;
};

/// A store in this process's memory (torch's HashStore): for threads, and for tests.
class HashStore final : public Store {
 public:
  explicit HashStore(std::chrono::milliseconds timeout = kDefaultTimeout) : Store(timeout) {}

  void set(const std::string& key, const std::vector<uint8_t>& value) override;
  using Store::set;
  std::vector<uint8_t> get(const std::string& key) override;
  int64_t add(const std::string& key, int64_t delta) override;
  bool check(const std::vector<std::string>& keys) override;
  void wait(const std::vector<std::string>& keys, std::chrono::milliseconds timeout) override;
  using Store::wait;
  bool delete_key(const std::string& key) override;

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, std::vector<uint8_t>> data_;
};

/// Another store's keys under "prefix/": groups share one store without their keys meeting.
class PrefixStore final : public Store {
 public:
  PrefixStore(std::string prefix, std::shared_ptr<Store> store);

  void set(const std::string& key, const std::vector<uint8_t>& value) override;
  using Store::set;
  std::vector<uint8_t> get(const std::string& key) override;
  int64_t add(const std::string& key, int64_t delta) override;
  bool check(const std::vector<std::string>& keys) override;
  void wait(const std::vector<std::string>& keys, std::chrono::milliseconds timeout) override;
  using Store::wait;
  bool delete_key(const std::string& key) override;

  const std::shared_ptr<Store>& underlying_store() const { return store_; }

 private:
  std::string key(const std::string& k) const { return prefix_ + "/" + k; }
  std::string prefix_;
  std::shared_ptr<Store> store_;
};

}  // namespace ember::distributed
