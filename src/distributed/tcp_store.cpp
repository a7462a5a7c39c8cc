// TCPStore: a key-value server on the master's own thread, and the client every process (the
// master included) talks to it through. Note [Store protocol]: a request is a command byte and
// length-prefixed fields; the server answers GET and WAIT only once their keys exist, so a
// client waits on its socket with the store's timeout, and a client that timed out reconnects
// before its next request (its late answer must not be read as the next one's).
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <map>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "ember/core/error.h"
#include "ember/distributed/store.h"
#include "socket.h"

namespace ember::distributed {

namespace {

enum Command : uint8_t { kSet, kGet, kAdd, kCheck, kWait, kDelete, kRegister, kUnregister, kLost };

int64_t parse_counter(const std::vector<uint8_t>& value) {
  return value.empty() ? 0 : std::stoll(std::string(value.begin(), value.end()));
}

std::vector<uint8_t> counter_value(int64_t v) {
  const std::string s = std::to_string(v);
  return {s.begin(), s.end()};
}

}  // namespace

// ---- Server ------------------------------------------------------------------------------

class TCPStore::Server {
 public:
  explicit Server(uint16_t port) : listen_fd_(net::listen_on(port)) {
    if (::pipe2(wake_, O_CLOEXEC) != 0) throw Error("TCPStore: cannot make the server's pipe");
    thread_ = std::thread([this] { run(); });
  }
  ~Server() {
    const uint8_t b = 1;
    [[maybe_unused]] const ssize_t n = ::write(wake_[1], &b, 1);
    thread_.join();
    for (auto& [fd, client] : clients_) net::close_fd(fd);
    net::close_fd(listen_fd_);
    net::close_fd(wake_[0]);
    net::close_fd(wake_[1]);
  }

 private:
  struct Client {
    std::vector<uint8_t> input;
    int64_t rank = -1;
  };
  struct Waiter {
    int fd;
    Command command;
    std::vector<std::string> keys;
  };

  void run() {
    while (true) {
      std::vector<pollfd> fds{{wake_[0], POLLIN, 0}, {listen_fd_, POLLIN, 0}};
      for (auto& [fd, client] : clients_) fds.push_back({fd, POLLIN, 0});
      if (::poll(fds.data(), fds.size(), -1) < 0) continue;
      if (fds[0].revents) return;
      if (fds[1].revents & POLLIN) {
        const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd >= 0) clients_[fd];
      }
      for (size_t i = 2; i < fds.size(); ++i)
        if (fds[i].revents) serve(fds[i].fd);
    }
  }

  void serve(int fd) {
    uint8_t chunk[65536];
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return drop(fd);
    if (n < 0) return;
    Client& client = clients_[fd];
    client.input.insert(client.input.end(), chunk, chunk + n);
    try {
      size_t used;
      while ((used = handle(fd, client.input)) > 0)
        client.input.erase(client.input.begin(), client.input.begin() + used);
    } catch (const net::Closed&) {
      drop(fd);
    }
  }

  void drop(int fd) {
    auto it = clients_.find(fd);
    if (it == clients_.end()) return;
    if (it->second.rank >= 0) lost_.insert(it->second.rank);
    std::erase_if(waiters_, [fd](const Waiter& w) { return w.fd == fd; });
    net::close_fd(fd);
    clients_.erase(it);
  }

  // Parses one request from the front of `in` and answers it; returns the bytes it used, 0
  // when the request is not complete yet.
  size_t handle(int fd, const std::vector<uint8_t>& in) {
    size_t pos = 1;
    const auto need = [&](size_t n) { return pos + n <= in.size(); };
    const auto read_i64 = [&](int64_t& v) {
      if (!need(8)) return false;
      std::memcpy(&v, in.data() + pos, 8);
      pos += 8;
      return true;
    };
    const auto read_str = [&](std::string& s) {
      int64_t len;
      if (!read_i64(len) || !need(static_cast<size_t>(len))) return false;
      s.assign(in.begin() + static_cast<ptrdiff_t>(pos),
               in.begin() + static_cast<ptrdiff_t>(pos + static_cast<size_t>(len)));
      pos += static_cast<size_t>(len);
      return true;
    };
    const auto read_keys = [&](std::vector<std::string>& keys) {
      int64_t count;
      if (!read_i64(count)) return false;
      keys.resize(static_cast<size_t>(count));
      for (auto& k : keys)
        if (!read_str(k)) return false;
      return true;
    };
    if (in.empty()) return 0;
    const auto command = static_cast<Command>(in[0]);
    std::string key, value;
    std::vector<std::string> keys;
    int64_t number = 0;
    net::Writer reply;
    switch (command) {
      case kSet:
        if (!read_str(key) || !read_str(value)) return 0;
        data_[key].assign(value.begin(), value.end());
        reply.u8(1);
        break;
      case kGet:
      case kWait:
        if (command == kGet ? !read_str(key) : !read_keys(keys)) return 0;
        if (command == kGet) keys = {key};
        waiters_.push_back({fd, command, std::move(keys)});
        answer_waiters();
        return pos;
      case kAdd: {
        if (!read_str(key) || !read_i64(number)) return 0;
        auto& stored = data_[key];
        const int64_t sum = parse_counter(stored) + number;
        stored = counter_value(sum);
        reply.i64(sum);
        break;
      }
      case kCheck:
        if (!read_keys(keys)) return 0;
        reply.u8(std::all_of(keys.begin(), keys.end(), [&](auto& k) { return data_.count(k); }));
        break;
      case kDelete:
        if (!read_str(key)) return 0;
        reply.u8(data_.erase(key) > 0);
        break;
      case kRegister:
        if (!read_i64(number)) return 0;
        clients_[fd].rank = number;
        lost_.erase(number);
        reply.u8(1);
        break;
      case kUnregister:
        clients_[fd].rank = -1;
        reply.u8(1);
        break;
      case kLost:
        reply.i64(static_cast<int64_t>(lost_.size()));
        for (int64_t r : lost_) reply.i64(r);
        break;
      default:
        throw net::Closed{};  // not our protocol: hang up
    }
    net::send_all(fd, reply.buffer().data(), reply.buffer().size());
    if (command == kSet || command == kAdd) answer_waiters();
    return pos;
  }

  void answer_waiters() {
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      const bool ready = std::all_of(it->keys.begin(), it->keys.end(),
                                     [&](const std::string& k) { return data_.count(k) > 0; });
      if (!ready) {
        ++it;
        continue;
      }
      net::Writer reply;
      if (it->command == kGet) {
        const auto& v = data_[it->keys[0]];
        reply.bytes(v.data(), v.size());
      } else {
        reply.u8(1);
      }
      const int fd = it->fd;
      it = waiters_.erase(it);
      try {
        net::send_all(fd, reply.buffer().data(), reply.buffer().size());
      } catch (const net::Closed&) {
        // poll reports the hang-up next round, and drop() forgets the client then.
      }
    }
  }

  int listen_fd_;
  int wake_[2] = {-1, -1};
  std::thread thread_;
  std::map<int, Client> clients_;
  std::vector<Waiter> waiters_;
  std::map<std::string, std::vector<uint8_t>> data_;
  std::set<int64_t> lost_;
};

// ---- Client ------------------------------------------------------------------------------

class TCPStore::Connection {
 public:
  Connection(std::string host, uint16_t port, std::chrono::milliseconds timeout)
      : host_(std::move(host)), port_(port), timeout_(timeout) {
    fd_ = net::connect_to(host_, port_, net::Clock::now() + timeout_);
  }
  ~Connection() { net::close_fd(fd_); }

  // Sends a request and reads its answer with `read`, which gets the deadline; `what` names
  // the request in errors.
  template <typename Read>
  auto request(const net::Writer& message, std::chrono::milliseconds timeout,
               const std::string& what, Read&& read) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (fd_ < 0) reconnect();
    try {
      net::send_all(fd_, message.buffer().data(), message.buffer().size());
      return read(fd_, net::Clock::now() + timeout);
    } catch (const net::Timeout&) {
      net::close_fd(fd_);  // its late answer must not be read as the next request's
      fd_ = -1;
      throw Error(fmt::format("TCPStore: {} timed out after {} ms", what, timeout.count()));
    } catch (const net::Closed&) {
      net::close_fd(fd_);
      fd_ = -1;
      throw Error(fmt::format(
          "TCPStore: lost the connection to the store at {}:{} during {} (the process that "
          "hosts it, rank 0, may have exited)",
          host_, port_, what));
    }
  }

  int64_t rank = -1;

 private:
  void reconnect() {
    fd_ = net::connect_to(host_, port_, net::Clock::now() + timeout_);
    if (rank >= 0) {
      net::Writer w;
      w.u8(kRegister).i64(rank);
      net::send_all(fd_, w.buffer().data(), w.buffer().size());
      uint8_t ok;
      net::recv_exact(fd_, &ok, 1, net::Clock::now() + timeout_);
    }
  }

  std::string host_;
  uint16_t port_;
  std::chrono::milliseconds timeout_;
  std::mutex mutex_;
  int fd_ = -1;
};

namespace {

uint8_t read_u8(int fd, net::Clock::time_point deadline) {
  uint8_t v;
  net::recv_exact(fd, &v, 1, deadline);
  return v;
}

int64_t read_i64(int fd, net::Clock::time_point deadline) {
  int64_t v;
  net::recv_exact(fd, &v, 8, deadline);
  return v;
}

net::Writer keys_message(Command command, const std::vector<std::string>& keys) {
  net::Writer w;
  w.u8(command).i64(static_cast<int64_t>(keys.size()));
  for (const auto& k : keys) w.str(k);
  return w;
}

}  // namespace

TCPStore::TCPStore(std::string host, uint16_t port, const TCPStoreOptions& options)
    : Store(options.timeout), host_(std::move(host)), port_(port) {
  if (options.is_master) server_ = std::make_unique<Server>(port);
  connection_ = std::make_unique<Connection>(host_, port_, options.timeout);
  if (options.num_workers <= 0 || !options.wait_for_workers) return;
  // Each process counts itself in; the master waits for the count to reach num_workers.
  const std::string key = "__ember/store_workers";
  int64_t joined = add(key, 1);
  if (!options.is_master) return;
  const auto deadline = net::Clock::now() + options.timeout;
  while (joined < options.num_workers) {
    if (net::Clock::now() > deadline)
      throw Error(
          fmt::format("TCPStore: timed out after {} ms waiting for {} workers to connect ({} have)",
                      options.timeout.count(), options.num_workers, joined));
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    joined = add(key, 0);
  }
}

TCPStore::~TCPStore() {
  connection_.reset();
  server_.reset();
}

void TCPStore::set(const std::string& key, const std::vector<uint8_t>& value) {
  net::Writer w;
  w.u8(kSet).str(key).bytes(value.data(), value.size());
  connection_->request(w, timeout(), fmt::format("set('{}')", key), read_u8);
}

std::vector<uint8_t> TCPStore::get(const std::string& key) {
  net::Writer w;
  w.u8(kGet).str(key);
  return connection_->request(
      w, timeout(), fmt::format("get('{}') waiting for the key", key),
      [](int fd, net::Clock::time_point deadline) {
        std::vector<uint8_t> value(static_cast<size_t>(read_i64(fd, deadline)));
        net::recv_exact(fd, value.data(), value.size(), deadline);
        return value;
      });
}

int64_t TCPStore::add(const std::string& key, int64_t delta) {
  net::Writer w;
  w.u8(kAdd).str(key).i64(delta);
  return connection_->request(w, timeout(), fmt::format("add('{}')", key), read_i64);
}

bool TCPStore::check(const std::vector<std::string>& keys) {
  return connection_->request(keys_message(kCheck, keys), timeout(), "check", read_u8) != 0;
}

void TCPStore::wait(const std::vector<std::string>& keys, std::chrono::milliseconds timeout) {
  connection_->request(keys_message(kWait, keys), timeout, fmt::format("wait for keys {}", keys),
                       read_u8);
}

bool TCPStore::delete_key(const std::string& key) {
  net::Writer w;
  w.u8(kDelete).str(key);
  return connection_->request(w, timeout(), fmt::format("delete_key('{}')", key), read_u8) != 0;
}

void TCPStore::register_rank(int64_t rank) {
  net::Writer w;
  w.u8(kRegister).i64(rank);
  connection_->request(w, timeout(), "register_rank", read_u8);
  connection_->rank = rank;
}

void TCPStore::unregister_rank() {
  net::Writer w;
  w.u8(kUnregister);
  connection_->request(w, timeout(), "unregister_rank", read_u8);
  connection_->rank = -1;
}

std::vector<int64_t> TCPStore::lost_ranks() {
  net::Writer w;
  w.u8(kLost);
  return connection_->request(
      w, std::chrono::seconds(2), "lost_ranks", [](int fd, net::Clock::time_point deadline) {
        std::vector<int64_t> ranks(static_cast<size_t>(read_i64(fd, deadline)));
        for (auto& r : ranks) r = read_i64(fd, deadline);
        return ranks;
      });
}

}  // namespace ember::distributed
