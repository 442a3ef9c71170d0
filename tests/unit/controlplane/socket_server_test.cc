// The operator socket end to end in one process: the server is polled on the test's thread while a client
// thread calls it.
#include "controlplane/socket_server.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <thread>

namespace tollgate::controlplane {
namespace {

std::string temp_path(const char* what) {
  return "/tmp/tollgate-ctl-test-" + std::to_string(::getpid()) + "-" + what + ".sock";
}

// Polls `server` until `done`.
void serve_until(SocketServer& server, const std::atomic<bool>& done) {
  std::vector<pollfd> fds;
  while (!done) {
    fds.clear();
    server.add_fds(fds);
    ::poll(fds.data(), fds.size(), 10);
    server.service(fds);
  }
}

CtlResponse echo(const CtlRequest& r) {
  if (r.command == "fail") return CtlResponse::failure("asked to fail");
  return CtlResponse::success({{"command", r.command}, {"args", r.args}});
}

TEST(SocketServer, AnswersRequestsInOrderOnOneConnection) {
  const std::string path = temp_path("order");
  auto server = SocketServer::listen(path, echo);
  ASSERT_TRUE(server) << server.error();
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u) << "owner only";

  std::atomic<bool> done{false};
  std::thread client([&] {
    Result<CtlConnection> c = CtlConnection::open(path);
    ASSERT_TRUE(c) << c.error();
    for (int i = 0; i < 20; ++i) {
      Result<CtlResponse> r = c->call({"show.stats", {{"i", i}}}, std::chrono::seconds(5));
      ASSERT_TRUE(r) << r.error();
      EXPECT_TRUE(r->ok);
      EXPECT_EQ(r->result["args"]["i"], i);
    }
    Result<CtlResponse> r = c->call({"fail", {}}, std::chrono::seconds(5));
    ASSERT_TRUE(r) << r.error();
    EXPECT_FALSE(r->ok);
    EXPECT_EQ(r->error, "asked to fail");
    done = true;
  });
  serve_until(*server.value(), done);
  client.join();
  server.value().reset();
  EXPECT_NE(::access(path.c_str(), F_OK), 0) << "the socket file goes with the server";
}

TEST(SocketServer, MalformedLinesGetAnErrorAndTheConnectionStaysUsable) {
  const std::string path = temp_path("malformed");
  auto server = SocketServer::listen(path, echo);
  ASSERT_TRUE(server) << server.error();
  std::atomic<bool> done{false};
  std::string answer;
  std::thread client([&] {
    Fd fd(::socket(AF_UNIX, SOCK_STREAM, 0));
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strcpy(a.sun_path, path.c_str());
    ASSERT_EQ(::connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    const std::string req = "this is not json\n{\"command\":\"ping\"}\n";
    ASSERT_EQ(::send(fd.get(), req.data(), req.size(), 0), static_cast<ssize_t>(req.size()));
    while (std::count(answer.begin(), answer.end(), '\n') < 2) {
      char buf[1024];
      const ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
      if (n <= 0) break;
      answer.append(buf, static_cast<size_t>(n));
    }
    done = true;
  });
  serve_until(*server.value(), done);
  client.join();
  EXPECT_EQ(answer,
            "{\"error\":\"bad request: not valid JSON\",\"ok\":false}\n"
            "{\"ok\":true,\"result\":{\"args\":{},\"command\":\"ping\"}}\n");
}

TEST(SocketServer, ALiveSocketIsRefusedAStaleOneReplaced) {
  const std::string path = temp_path("live");
  auto first = SocketServer::listen(path, echo);
  ASSERT_TRUE(first) << first.error();
  auto second = SocketServer::listen(path, echo);
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().find("is served by a running control plane"), std::string::npos) << second.error();

  // A socket file nobody listens on (its process died): bound, then closed without unlinking.
  const std::string stale = temp_path("stale");
  {
    Fd fd(::socket(AF_UNIX, SOCK_STREAM, 0));
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strcpy(a.sun_path, stale.c_str());
    ASSERT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  }
  auto replaced = SocketServer::listen(stale, echo);
  EXPECT_TRUE(replaced) << replaced.error();

  const std::string regular = temp_path("regular");
  std::ofstream(regular) << "x";
  auto refused = SocketServer::listen(regular, echo);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().find("exists and is not a socket"), std::string::npos) << refused.error();
  ::unlink(regular.c_str());
}

TEST(SocketServer, ClientWithoutServerGetsAHint) {
  Result<CtlConnection> c = CtlConnection::open(temp_path("nobody"));
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().find("is tollgate-controlplane running?"), std::string::npos) << c.error();
}

}  // namespace
}  // namespace tollgate::controlplane
