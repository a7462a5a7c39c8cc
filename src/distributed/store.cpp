// The file, in-memory and prefix stores; the TCP store has a file of its own.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "ember/core/error.h"
#include "ember/distributed/store.h"

namespace ember::distributed {

void Store::set(const std::string& key, const std::string& value) {
  set(key, std::vector<uint8_t>(value.begin(), value.end()));
}

// ---- FileStore: one file per key in a shared folder ---------------------------------------
// A key's file appears whole (written aside, then renamed), so a reader never sees half a
// value; add() takes an flock on the folder's lock file, which works across machines on NFS.

namespace {

namespace fs = std::filesystem;

// How many of a folder's stores were destroyed.
const char* const kCleanupKey = "__ember_file_store_destroyed";

std::string hex_name(const std::string& key) {
  std::string out;
  for (unsigned char c : key) out += fmt::format("{:02x}", c);
  return out;
}

class FolderLock {
 public:
  explicit FolderLock(const std::string& folder)
      : fd_(::open((folder + "/.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)) {
    if (fd_ < 0 || ::flock(fd_, LOCK_EX) != 0)
      throw Error(fmt::format("FileStore: cannot lock {}/.lock", folder));
  }
  ~FolderLock() {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }

 private:
  int fd_;
};

std::optional<std::vector<uint8_t>> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

void write_file(const std::string& folder, const fs::path& path, const std::vector<uint8_t>& v) {
  const fs::path tmp =
      fs::path(folder) / fmt::format(".tmp.{}.{}", ::getpid(),
                                     std::hash<std::thread::id>()(std::this_thread::get_id()));
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(v.size()));
    if (!out) throw Error(fmt::format("FileStore: cannot write {}", tmp.string()));
  }
  fs::rename(tmp, path);
}

}  // namespace

FileStore::FileStore(const std::string& path, int num_workers, std::chrono::milliseconds timeout)
    : Store(timeout), path_(path), num_workers_(num_workers) {
  std::error_code ec;
  fs::create_directories(path_, ec);
  if (!fs::is_directory(path_))
    throw Error(fmt::format("FileStore: {} is not a folder and cannot be made one", path_));
}

// The last of num_workers stores removes what the stores wrote (never other files in a folder
// the user named), then the folder if that leaves it empty.
FileStore::~FileStore() {
  if (num_workers_ <= 0) return;
  try {
    if (add(kCleanupKey, 1) < num_workers_) return;
    FolderLock lock(path_);
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(path_, ec)) {
      const std::string name = entry.path().filename().string();
      const bool ours =
          name.rfind(".tmp.", 0) == 0 ||
          (!name.empty() && name.find_first_not_of("0123456789abcdef") == std::string::npos);
      if (ours) fs::remove(entry.path(), ec);
    }
    fs::remove(fs::path(path_) / ".lock", ec);
    fs::remove(path_, ec);
  } catch (const std::exception&) {
    // A folder already gone or unreadable leaves nothing to clean.
  }
}

void FileStore::set(const std::string& key, const std::vector<uint8_t>& value) {
  write_file(path_, fs::path(path_) / hex_name(key), value);
}

std::vector<uint8_t> FileStore::get(const std::string& key) {
  wait({key}, timeout());
  auto value = read_file(fs::path(path_) / hex_name(key));
  if (!value)
    throw Error(fmt::format("FileStore: key '{}' in {} was deleted while being read", key, path_));
  return *value;
}

int64_t FileStore::add(const std::string& key, int64_t delta) {
  FolderLock lock(path_);
  const fs::path file = fs::path(path_) / hex_name(key);
  const auto old = read_file(file);
  const int64_t sum =
      (old && !old->empty() ? std::stoll(std::string(old->begin(), old->end())) : 0) + delta;
  const std::string text = std::to_string(sum);
  write_file(path_, file, {text.begin(), text.end()});
  return sum;
}

bool FileStore::check(const std::vector<std::string>& keys) {
  for (const auto& k : keys)
    if (!fs::exists(fs::path(path_) / hex_name(k))) return false;
  return true;
}

void FileStore::wait(const std::vector<std::string>& keys, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto pause = std::chrono::milliseconds(1);
  while (!check(keys)) {
    if (std::chrono::steady_clock::now() > deadline)
      throw Error(fmt::format("FileStore: wait for keys {} in {} timed out after {} ms", keys,
                              path_, timeout.count()));
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
  }
}

bool FileStore::delete_key(const std::string& key) {
  return fs::remove(fs::path(path_) / hex_name(key));
}

// ---- HashStore ---------------------------------------------------------------------------

void HashStore::set(const std::string& key, const std::vector<uint8_t>& value) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    data_[key] = value;
  }
  changed_.notify_all();
}

std::vector<uint8_t> HashStore::get(const std::string& key) {
  wait({key}, timeout());
  std::lock_guard<std::mutex> lock(mutex_);
  return data_.at(key);
}

int64_t HashStore::add(const std::string& key, int64_t delta) {
  int64_t sum;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto& v = data_[key];
    sum = (v.empty() ? 0 : std::stoll(std::string(v.begin(), v.end()))) + delta;
    const std::string text = std::to_string(sum);
    v.assign(text.begin(), text.end());
  }
  changed_.notify_all();
  return sum;
}

bool HashStore::check(const std::vector<std::string>& keys) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& k : keys)
    if (!data_.count(k)) return false;
  return true;
}

void HashStore::wait(const std::vector<std::string>& keys, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  const auto all_set = [&] {
    for (const auto& k : keys)
      if (!data_.count(k)) return false;
    return true;
  };
  if (!changed_.wait_for(lock, timeout, all_set))
    throw Error(
        fmt::format("HashStore: wait for keys {} timed out after {} ms", keys, timeout.count()));
}

bool HashStore::delete_key(const std::string& key) {
  std::lock_guard<std::mutex> lock(mutex_);
  return data_.erase(key) > 0;
}

// ---- PrefixStore -------------------------------------------------------------------------

PrefixStore::PrefixStore(std::string prefix, std::shared_ptr<Store> store)
    : Store(store ? store->timeout() : kDefaultTimeout),
      prefix_(std::move(prefix)),
      store_(std::move(store)) {
  if (!store_) throw Error("PrefixStore: the underlying store is null");
}

void PrefixStore::set(const std::string& k, const std::vector<uint8_t>& value) {
  store_->set(key(k), value);
}

std::vector<uint8_t> PrefixStore::get(const std::string& k) { return store_->get(key(k)); }

int64_t PrefixStore::add(const std::string& k, int64_t delta) { return store_->add(key(k), delta); }

bool PrefixStore::check(const std::vector<std::string>& keys) {
  std::vector<std::string> full;
  for (const auto& k : keys) full.push_back(key(k));
  return store_->check(full);
}

void PrefixStore::wait(const std::vector<std::string>& keys, std::chrono::milliseconds timeout) {
  std::vector<std::string> full;
  for (const auto& k : keys) full.push_back(key(k));
  store_->wait(full, timeout);
}

bool PrefixStore::delete_key(const std::string& k) { return store_->delete_key(key(k)); }

}  // namespace ember::distributed
