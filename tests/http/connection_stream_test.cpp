// One connection's bytes as cpp-httplib sees them (src/http/connection_stream.cpp):
// pipelined requests survive, heads and whole requests have limits, and the
// head facts the library loses are kept. The client is the other end of a socketpair.
#include <doctest/doctest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "http/connection_stream.h"

using namespace shopd;
using namespace std::chrono_literals;

namespace {

struct Pair {
  int server_fd = -1, client_fd = -1;
  Connections connections{16};
  std::unique_ptr<Connections::Slot> slot;
  std::unique_ptr<ConnectionStream> stream;

  explicit Pair(StreamLimits limits = {1000ms, 500ms, 16384}) {
    int fds[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
    server_fd = fds[0];
    client_fd = fds[1];
    slot = std::make_unique<Connections::Slot>(server_fd);
    connections.add(*slot);
    stream = std::make_unique<ConnectionStream>(*slot, connections, limits);
  }
  ~Pair() {
    connections.remove(*slot);
    ::close(server_fd);
    ::close(client_fd);
  }
  void client_sends(const std::string& bytes) const {
    REQUIRE(::send(client_fd, bytes.data(), bytes.size(), 0) == static_cast<ssize_t>(bytes.size()));
  }
  std::string client_receives() const {
    char buf[65536];
    const ssize_t n = ::recv(client_fd, buf, sizeof buf, MSG_DONTWAIT);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
  }
  // Reads the way cpp-httplib's line reader does: one byte at a time, up to and including the blank line.
  std::string read_head() const {
    std::string head;
    char c;
    while (head.size() < 4 || head.compare(head.size() - 4, 4, "\r\n\r\n") != 0) {
      if (stream->read(&c, 1) != 1) return head;
      head.push_back(c);
    }
    return head;
  }
  std::string read_body(size_t n) const {
    std::string body(n, '\0');
    size_t got = 0;
    while (got < n) {
      const ssize_t r = stream->read(body.data() + got, n - got);
      if (r <= 0) break;
      got += static_cast<size_t>(r);
    }
    body.resize(got);
    return body;
  }
};

}  // namespace

TEST_SUITE("connection_stream") {
  TEST_CASE("a pipelined request that arrived with the previous one is read next") {
    Pair p;
    p.client_sends("GET /a HTTP/1.1\r\n\r\nPOST /b HTTP/1.1\r\nContent-Length: 3\r\n\r\nxyzGET /c HTTP/1.1\r\n\r\n");
    for (const std::string expected : {"GET /a HTTP/1.1\r\n\r\n", "POST /b HTTP/1.1\r\nContent-Length: 3\r\n\r\n",
                                       "GET /c HTTP/1.1\r\n\r\n"}) {
      REQUIRE(p.stream->wait_for_request());
      p.stream->begin_request();
      CHECK(p.read_head() == expected);
      CHECK(p.stream->head_complete());
      if (expected.starts_with("POST")) {
        CHECK(p.read_body(3) == "xyz");
        CHECK(p.stream->body_bytes_read() == 3);
      }
    }
  }

  TEST_CASE("Range and Accept-Encoding reach the parser under names nobody reads") {
    Pair p;
    p.client_sends("GET / HTTP/1.1\r\nrange: bytes=0-1\r\nAccept-Encoding: gzip\r\nX-Range: 1\r\n\r\n");
    REQUIRE(p.stream->wait_for_request());
    p.stream->begin_request();
    CHECK(p.read_head() == "GET / HTTP/1.1\r\nXange: bytes=0-1\r\nXccept-Encoding: gzip\r\nX-Range: 1\r\n\r\n");
  }

  TEST_CASE("an Idempotency-Key header with an empty or blank value is noticed") {
    for (const std::string line : {"Idempotency-Key:", "idempotency-key:   ", "IDEMPOTENCY-KEY:\t"}) {
      Pair p;
      p.client_sends("POST /orders HTTP/1.1\r\n" + line + "\r\nHost: x\r\n\r\n");
      REQUIRE(p.stream->wait_for_request());
      p.stream->begin_request();
      p.read_head();
      CAPTURE(line);
      CHECK(p.stream->empty_idempotency_key());
    }
    Pair p;
    p.client_sends("POST /orders HTTP/1.1\r\nIdempotency-Key: k\r\nX-Idempotency-Key:\r\n\r\n");
    REQUIRE(p.stream->wait_for_request());
    p.stream->begin_request();
    p.read_head();
    CHECK_FALSE(p.stream->empty_idempotency_key());
  }

  TEST_CASE("the facts of one request do not leak into the next") {
    Pair p;
    p.client_sends("POST / HTTP/1.1\r\nIdempotency-Key:\r\n\r\nPOST / HTTP/1.1\r\nIdempotency-Key: k\r\n\r\n");
    REQUIRE(p.stream->wait_for_request());
    p.stream->begin_request();
    p.read_head();
    CHECK(p.stream->empty_idempotency_key());
    REQUIRE(p.stream->wait_for_request());
    p.stream->begin_request();
    p.read_head();
    CHECK_FALSE(p.stream->empty_idempotency_key());
  }

  TEST_CASE("a head past max_head_bytes fails the read") {
    Pair p({1000ms, 2000ms, 1024});
    std::string flood = "GET / HTTP/1.1\r\n";
    while (flood.size() < 4000) flood += "X-Flood: yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\r\n";
    p.client_sends(flood);
    REQUIRE(p.stream->wait_for_request());
    p.stream->begin_request();
    const std::string head = p.read_head();
    CHECK(head.size() <= 1024 + 64);
    CHECK(p.stream->failure() == ConnectionStream::Failure::head_too_large);
  }

  TEST_CASE("a head trickled a byte at a time is cut off at the request deadline, not per read") {
    Pair p({1000ms, 300ms, 16384});
    p.client_sends("G");
    REQUIRE(p.stream->wait_for_request());
    p.stream->begin_request();
    std::thread trickler([&] {
      for (int i = 0; i < 20; ++i) {
        std::this_thread::sleep_for(50ms);
        ::send(p.client_fd, "E", 1, MSG_NOSIGNAL);
      }
    });
    const auto start = std::chrono::steady_clock::now();
    p.read_head();
    const auto took = std::chrono::steady_clock::now() - start;
    trickler.join();
    CHECK(p.stream->failure() == ConnectionStream::Failure::timed_out);
    CHECK(took >= 250ms);
    CHECK(took < 800ms);
  }

  TEST_CASE("waiting for the next request ends at the idle timeout") {
    Pair p({200ms, 1000ms, 16384});
    const auto start = std::chrono::steady_clock::now();
    CHECK_FALSE(p.stream->wait_for_request());
    CHECK(std::chrono::steady_clock::now() - start >= 150ms);
    CHECK(p.stream->failure() == ConnectionStream::Failure::timed_out);
  }

  TEST_CASE("an idle wait ends at once when the connection is shut down to make room") {
    Pair p({10s, 10s, 16384});
    std::thread evictor([&] {
      std::this_thread::sleep_for(50ms);
      ::shutdown(p.server_fd, SHUT_RDWR);
    });
    const auto start = std::chrono::steady_clock::now();
    CHECK_FALSE(p.stream->wait_for_request());
    evictor.join();
    CHECK(std::chrono::steady_clock::now() - start < 2s);
  }

  TEST_CASE("an answer leaves only on flush, all at once") {
    Pair p;
    p.stream->write("HTTP/1.1 200 OK\r\n", 17);
    p.stream->write("Content-Length: 2\r\n\r\nok", 23);
    CHECK(p.client_receives().empty());
    CHECK(p.stream->flush());
    CHECK(p.client_receives() == "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  }

  TEST_CASE("an interim answer (100 Continue) goes out before the stream waits for the body") {
    Pair p({1000ms, 1000ms, 16384});
    p.client_sends("POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
    REQUIRE(p.stream->wait_for_request());
    p.stream->begin_request();
    p.read_head();
    p.stream->write("HTTP/1.1 100 Continue\r\n\r\n", 25);
    std::thread client([&] {
      for (int i = 0; i < 100 && p.client_receives().empty(); ++i) std::this_thread::sleep_for(5ms);
      p.client_sends("hi");
    });
    CHECK(p.read_body(2) == "hi");
    client.join();
  }
}
