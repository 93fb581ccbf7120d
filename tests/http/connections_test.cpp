// The connection budget (src/http/connections.cpp): who gets in at the cap,
// who is let go to make room, and what stop() does. Sockets are socketpairs:
// a shut-down connection shows as end-of-file on the peer.
#include <doctest/doctest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "http/connections.h"

using namespace shopd;
using namespace std::chrono_literals;

namespace {

// One registered connection: the server's end in a Slot, the client's end to observe it.
struct FakeConnection {
  int server_fd = -1, client_fd = -1;
  std::unique_ptr<Connections::Slot> slot;

  FakeConnection() {
    int fds[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
    server_fd = fds[0];
    client_fd = fds[1];
    slot = std::make_unique<Connections::Slot>(server_fd);
  }
  ~FakeConnection() {
    ::close(server_fd);
    ::close(client_fd);
  }
  // The server shut its end: the client reads end-of-file at once.
  bool shut_down() const {
    pollfd p{client_fd, POLLIN, 0};
    if (::poll(&p, 1, 0) != 1) return false;
    char c;
    return ::recv(client_fd, &c, 1, MSG_DONTWAIT) == 0;
  }
};

std::chrono::steady_clock::time_point ago(std::chrono::milliseconds d) { return std::chrono::steady_clock::now() - d; }

}  // namespace

TEST_SUITE("connections") {
  TEST_CASE("below the cap every connection is admitted") {
    Connections c(3);
    CHECK(c.admit());
    CHECK(c.admit());
    CHECK(c.admit());
    CHECK(c.counts().open == 3);
  }

  TEST_CASE("at the cap the connection that has waited longest on its client makes room") {
    Connections c(3);
    FakeConnection fresh_idle, old_idle, slow_head;
    for (auto* f : {&fresh_idle, &old_idle, &slow_head}) {
      REQUIRE(c.admit());
      c.add(*f->slot);
    }
    fresh_idle.slot->waiting(ago(10ms), /*idle=*/true);
    old_idle.slot->waiting(ago(30s), /*idle=*/true);
    slow_head.slot->waiting(ago(5s), /*idle=*/false);

    CHECK(c.admit());
    CHECK(old_idle.shut_down());
    CHECK(old_idle.slot->evicted());
    CHECK_FALSE(slow_head.shut_down());
    CHECK_FALSE(fresh_idle.shut_down());

    // The next newcomer takes the next-longest wait, a head trickling in for 5 s.
    CHECK(c.admit());
    CHECK(slow_head.shut_down());
    CHECK_FALSE(fresh_idle.shut_down());
    CHECK(c.counts().evicted == 2);
    for (auto* f : {&fresh_idle, &old_idle, &slow_head}) c.remove(*f->slot);
  }

  TEST_CASE("a connection busy inside a request is never shut down; with all busy the newcomer is refused") {
    Connections c(2);
    FakeConnection a, b;
    for (auto* f : {&a, &b}) {
      REQUIRE(c.admit());
      c.add(*f->slot);
    }
    a.slot->waiting(ago(60s), true);
    a.slot->busy();  // its request arrived
    b.slot->busy();
    CHECK_FALSE(c.admit());
    CHECK_FALSE(a.shut_down());
    CHECK_FALSE(b.shut_down());
    CHECK(c.counts().refused == 1);
    c.leave();  // b's thread ends
    c.remove(*b.slot);
    CHECK(c.admit());
    c.remove(*a.slot);
  }

  TEST_CASE("stop shuts idle connections, leaves the busy and the mid-request ones, and admits no more") {
    Connections c(10);
    FakeConnection idle, busy, reading_body;
    for (auto* f : {&idle, &busy, &reading_body}) {
      REQUIRE(c.admit());
      c.add(*f->slot);
    }
    idle.slot->waiting(ago(1s), true);
    busy.slot->busy();
    reading_body.slot->waiting(ago(1s), false);
    c.stop();
    CHECK(c.stopping());
    CHECK(idle.shut_down());
    CHECK_FALSE(busy.shut_down());
    CHECK_FALSE(reading_body.shut_down());
    CHECK_FALSE(c.admit());
    for (auto* f : {&idle, &busy, &reading_body}) c.remove(*f->slot);
  }

  TEST_CASE("a connection registered after stop is shut down at once") {
    Connections c(10);
    REQUIRE(c.admit());
    c.stop();
    FakeConnection late;
    c.add(*late.slot);
    CHECK(late.shut_down());
    c.remove(*late.slot);
  }

  TEST_CASE("wait_until_empty returns once every admitted connection has left") {
    Connections c(10);
    for (int i = 0; i < 5; ++i) REQUIRE(c.admit());
    std::atomic<bool> done{false};
    std::thread waiter([&] {
      c.wait_until_empty();
      done = true;
    });
    for (int i = 0; i < 4; ++i) c.leave();
    std::this_thread::sleep_for(20ms);
    CHECK_FALSE(done.load());
    c.leave();
    waiter.join();
    CHECK(done.load());
  }

  TEST_CASE("the task queue runs each admitted connection on its own thread and a refused one inline") {
    Connections c(1);
    ConnectionThreads threads(c, 256 * 1024);
    std::atomic<int> on_own_thread{0};
    std::atomic<bool> release{false};
    const auto accept_thread = std::this_thread::get_id();
    threads.enqueue([&] {
      if (std::this_thread::get_id() != accept_thread && !ConnectionThreads::refusing()) ++on_own_thread;
      while (!release) std::this_thread::sleep_for(1ms);
    });
    bool refused_inline = false;
    // At the cap, with the only connection busy (it never published a wait), the next task runs here, refused.
    threads.enqueue([&] { refused_inline = std::this_thread::get_id() == accept_thread && ConnectionThreads::refusing(); });
    CHECK(refused_inline);
    CHECK_FALSE(ConnectionThreads::refusing());
    release = true;
    threads.shutdown();  // joins: returns once the first connection's thread has left
    CHECK(on_own_thread == 1);
    CHECK(c.counts().open == 0);
  }
}
