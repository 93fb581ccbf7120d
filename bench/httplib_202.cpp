// Baseline (a) of bench/run.py: the HTTP ceiling of the library shopd is built
// on. cpp-httplib from the same Debian package, a thread per connection
// (the pool is sized to the connection count), keep-alive reuse without the
// Debian default of 5 requests, and a constant 202 with a body the size of
// shopd's. Usage: httplib_202 PORT THREADS
#include <httplib.h>
#include <sys/socket.h>

#include <cstdlib>
#include <string>

namespace {

class Server : public httplib::Server {
 public:
  // Debian's build listens with a backlog of 5; shopd raises it the same way.
  void raise_backlog() { ::listen(svr_sock_, SOMAXCONN); }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  const int port = std::atoi(argv[1]);
  const size_t threads = static_cast<size_t>(std::atoi(argv[2]));
  const std::string body =
      R"({"currency":"EUR","id":"01a22095-e8f2-7323-ac5b-ab141d9565db","status":"received",)"
      R"("status_url":"/orders/01a22095-e8f2-7323-ac5b-ab141d9565db","total_cents":2400})";
  Server svr;
  svr.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  svr.set_keep_alive_max_count(1000000);
  svr.set_tcp_nodelay(true);
  svr.Post("/orders", [&body](const httplib::Request&, httplib::Response& res) {
    res.status = 202;
    res.set_content(body, "application/json");
  });
  if (!svr.bind_to_port("127.0.0.1", port)) return 1;
  svr.raise_backlog();
  return svr.listen_after_bind() ? 0 : 1;
}
