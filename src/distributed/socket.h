#pragma once
// Blocking TCP sockets with deadlines, for the TCP store.
#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace ember::distributed::net {

using Clock = std::chrono::steady_clock;

/// Thrown when a deadline passes; the caller turns it into an Error that says what it waited for.
struct Timeout {};
/// Thrown when the peer closed the connection or it broke.
struct Closed {};

/// A listening socket on every interface; an Error naming the port when it cannot listen.
int listen_on(uint16_t port);
/// Connects to host:port, retrying until the deadline (the listener may not be up yet).
int connect_to(const std::string& host, uint16_t port, Clock::time_point deadline);
void close_fd(int fd);

void send_all(int fd, const void* data, size_t n);
/// Reads exactly n bytes; Timeout past the deadline, Closed when the peer hangs up.
void recv_exact(int fd, void* data, size_t n, Clock::time_point deadline);

/// Length-prefixed messages.
class Writer {
 public:
  Writer& u8(uint8_t v) { return raw(&v, 1); }
  Writer& i64(int64_t v) { return raw(&v, 8); }
  Writer& bytes(const void* p, size_t n) { return i64(static_cast<int64_t>(n)).raw(p, n); }
  Writer& str(const std::string& s) { return bytes(s.data(), s.size()); }
  Writer& raw(const void* p, size_t n) {
    const size_t old = buffer_.size();
    buffer_.resize(old + n);
    if (n > 0) std::memcpy(buffer_.data() + old, p, n);
    return *this;
  }
  const std::vector<uint8_t>& buffer() const { return buffer_; }

 private:
  std::vector<uint8_t> buffer_;
};

}  // namespace ember::distributed::net
