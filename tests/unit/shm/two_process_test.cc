// The segment across real process boundaries (fork): a dataplane process writing stats and events while a
// control plane process reads them, and a control plane that dies (SIGKILL) and is replaced while the
// dataplane keeps serving. A child reports through its exit status and a pipe; it never runs gtest macros.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <thread>

#include "engine/shm/controller.h"
#include "engine/shm/worker_port.h"
#include "tests/unit/shm/test_segment.h"

namespace tollgate::shm {
namespace {

using namespace std::chrono_literals;

// Runs `body` in a child process; its return value is the child's exit status.
template <typename F>
pid_t spawn(F body) {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(body());
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool exited(pid_t pid, int& status) {
  return ::waitpid(pid, &status, WNOHANG) == pid;
}

// A fixed-size report a child writes to its pipe.
struct Report {
  uint64_t consumed = 0;
  uint64_t first_id = 0;
  uint64_t last_id = 0;
};

void write_report(int fd, const Report& r) {
  if (::write(fd, &r, sizeof r) != static_cast<ssize_t>(sizeof r)) ::_exit(90);
}
Report read_report(int fd) {
  Report r;
  EXPECT_EQ(::read(fd, &r, sizeof r), static_cast<ssize_t>(sizeof r));
  return r;
}

// The dataplane child: makes the segment, then per "request" counts on a target and a listener, records a
// latency and sends an event numbered by attempt, alternating cores. It waits for the control plane's
// "done" command before exiting.
constexpr uint64_t kRequests = 100000;
constexpr uint32_t kTargets = 16;

int dataplane_child(const std::string& name) {
  Result<Segment> segment = Segment::create(name, small_capacities());
  if (!segment) return 10;
  WorkerPort cores[2] = {WorkerPort(segment.value(), 0), WorkerPort(segment.value(), 1)};
  for (WorkerPort& w : cores) w.start();
  for (uint64_t i = 0; i < kRequests; ++i) {
    WorkerPort& w = cores[i % 2];
    TargetStats& t = w.target(static_cast<uint32_t>(i % kTargets));
    t[TargetCounter::kRequests].add();
    t[TargetCounter::kBytesIn].add(i);
    t.latency.record(i % 1000);
    w.listener(0)[ListenerCounter::kRequests].add();
    w.send(make_message(MessageType::kLogLine, w.core(), i, make_log_line(6, "request")));
    w.heartbeat(i);
    if (i % 1000 == 0) std::this_thread::yield();  // let the reader run on a busy machine
  }
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  Message m;
  while (std::chrono::steady_clock::now() < deadline) {
    if (cores[0].receive(&m, 1) == 1) return m.type == MessageType::kDrainTarget ? 0 : 11;
    std::this_thread::sleep_for(100us);
  }
  return 12;
}

Result<Segment> attach_when_ready(const std::string& name) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  for (;;) {
    Result<Segment> s = Segment::attach(name);
    if (s || std::chrono::steady_clock::now() > deadline) return s;
    std::this_thread::sleep_for(1ms);
  }
}

TEST(TwoProcesses, StatsAndEventsFromTheDataplaneChild) {
  ScopedName name;
  const pid_t child = spawn([&] { return dataplane_child(name.str()); });
  ASSERT_GT(child, 0);
  Result<Segment> segment = attach_when_ready(name.str());
  ASSERT_TRUE(segment) << segment.error();
  Controller control(segment.value(), static_cast<uint64_t>(::getpid()));

  std::array<uint64_t, 2> received{}, last{};
  std::array<bool, 2> any{};
  uint64_t last_requests = 0;
  std::array<Message, 32> batch;
  uint64_t disorder = 0;  // events out of order, on the wrong core, or not what the child sent
  auto drain = [&] {      // one batch per core; how many it took
    size_t taken = 0;
    for (uint32_t k = 0; k < 2; ++k) {
      const size_t n = control.receive(k, batch.data(), batch.size());
      for (size_t i = 0; i < n; ++i) {
        LogLine line;
        const bool good = batch[i].core == k && batch[i].id % 2 == k && (!any[k] || batch[i].id > last[k]) &&
                          read_payload(batch[i], line) && log_text(line) == "request";
        if (!good) ++disorder;
        any[k] = true;
        last[k] = batch[i].id;
      }
      received[k] += n;
      taken += n;
    }
    return taken;
  };
  // While the child writes: events in order, and sums that only grow.
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (control.totals<ListenerCounter>(0)[ListenerCounter::kRequests] < kRequests) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the dataplane child stalled";
    drain();
    const uint64_t now = control.totals<ListenerCounter>(0)[ListenerCounter::kRequests];
    ASSERT_GE(now, last_requests);
    last_requests = now;
  }
  ASSERT_TRUE(control.send(0, make_message(MessageType::kDrainTarget, 0, 1, TargetRef{0, 0})));
  EXPECT_EQ(wait_exit(child), 0);
  while (drain() > 0) {
  }
  EXPECT_EQ(disorder, 0u);

  for (uint32_t k = 0; k < 2; ++k) {
    EXPECT_EQ(received[k] + control.events_dropped(k), kRequests / 2) << "core " << k;
    EXPECT_GT(received[k], 0u);
  }
  uint64_t requests = 0, bytes = 0, samples = 0;
  for (uint32_t t = 0; t < kTargets; ++t) {
    const EntityTotals<TargetCounter> totals = control.totals<TargetCounter>(t);
    EXPECT_EQ(totals[TargetCounter::kRequests], kRequests / kTargets);
    requests += totals[TargetCounter::kRequests];
    bytes += totals[TargetCounter::kBytesIn];
    samples += totals.latency.count();
  }
  EXPECT_EQ(requests, kRequests);
  EXPECT_EQ(bytes, kRequests * (kRequests - 1) / 2);
  EXPECT_EQ(samples, kRequests);
  EXPECT_EQ(control.core_header(1).heartbeat.beats.load(), kRequests / 2);
}

// The control plane child: takes control, publishes `config`, marks target 0 with `state`, waits for core
// 0 to adopt the config, then consumes events (checking their order) until it has `events` of them or
// sees the dataplane's "stop" line. Reports what it consumed, and either dies by SIGKILL (mid-stream,
// without any goodbye) or exits normally.
int control_child(const std::string& name, const char* config, HealthState state, uint64_t events, bool die,
                  int report_fd, uint64_t expected_epoch) {
  Result<Segment> segment = Segment::attach(name);
  if (!segment) return 20;
  Controller control(segment.value(), static_cast<uint64_t>(::getpid()));
  if (control.epoch() != expected_epoch) return 21;
  control.heartbeat(monotonic_ns());
  Result<uint64_t> g = control.publish_config(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(config), std::strlen(config)));
  if (!g) return 22;
  control.set_target_health(0, 0, state, 5);
  control.publish_health();
  Report r;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  bool adopted = false;
  while (std::chrono::steady_clock::now() < deadline) {
    control.heartbeat(monotonic_ns());
    adopted = adopted || control.core_header(0).adopted_generation.load() == g.value();
    Message m;
    while (control.receive(0, &m, 1) == 1) {
      if (r.consumed > 0 && m.id <= r.last_id) return 23;  // out of order
      if (r.consumed == 0) r.first_id = m.id;
      r.last_id = m.id;
      ++r.consumed;
      if (m.type == MessageType::kDrainDone) {  // the dataplane's "stop"
        write_report(report_fd, r);
        return adopted ? 0 : 24;
      }
    }
    if (adopted && r.consumed >= events && die) {
      write_report(report_fd, r);
      ::raise(SIGKILL);
    }
    std::this_thread::sleep_for(50us);
  }
  return 25;
}

TEST(TwoProcesses, ControlPlaneDiesAndANewOneTakesOver) {
  ScopedName name;
  Result<Segment> segment = Segment::create(name.str(), small_capacities());
  ASSERT_TRUE(segment);
  WorkerPort worker(segment.value(), 0);
  worker.start();
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);

  // The dataplane's poll loop, run here in the parent: adopt config and health at the safe point, beat,
  // and send one numbered event per iteration (a full ring drops and counts it).
  uint64_t sent = 0;
  std::string config;
  auto iterate = [&] {
    worker.heartbeat(monotonic_ns());
    if (std::optional<ConfigBlob> b = worker.pending_config()) {
      config.assign(reinterpret_cast<const char*>(b->bytes.data()), b->bytes.size());
      worker.adopted(b->generation);
    }
    if (worker.health_changed()) worker.health_applied(worker.health_generation());
    worker.send(make_message(MessageType::kProbeResult, 0, sent++, ProbeResult{}));
    std::this_thread::sleep_for(20us);
  };

  const pid_t first = spawn([&] {
    return control_child(name.str(), "generation 1", HealthState::kUnhealthy, 200, true, pipe_fds[1], 1);
  });
  int status = 0;
  while (!exited(first, status)) iterate();
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "first control plane: status " << status;
  const Report r1 = read_report(pipe_fds[0]);
  EXPECT_GE(r1.consumed, 200u);
  EXPECT_EQ(r1.first_id, 0u);

  // Without a control plane the dataplane serves on with what it had; its events pile up, then drop.
  LivenessWatch control_watch(50'000'000);
  EXPECT_TRUE(control_watch.observe(segment->control().controller, monotonic_ns()));
  const auto dead_by = std::chrono::steady_clock::now() + 5s;
  while (control_watch.observe(segment->control().controller, monotonic_ns())) {
    iterate();
    ASSERT_LT(std::chrono::steady_clock::now(), dead_by) << "the dead control plane still looks alive";
  }
  for (int i = 0; i < 200; ++i) iterate();  // more than the 64-slot ring holds
  EXPECT_EQ(config, "generation 1");
  EXPECT_EQ(worker.adopted_generation(), 1u);
  EXPECT_EQ(worker.target_health(0).state, HealthState::kUnhealthy);
  EXPECT_GT(segment->events(0).control->dropped.get(), 0u);

  // A new control plane attaches (epoch 2), finds the events the first left, in order, and publishes
  // generation 2 on top of generation 1.
  const pid_t second = spawn([&] {
    return control_child(name.str(), "generation 2", HealthState::kHealthy, 0, false, pipe_fds[1], 2);
  });
  const auto adopt_by = std::chrono::steady_clock::now() + 10s;
  while (worker.adopted_generation() != 2 && std::chrono::steady_clock::now() < adopt_by) iterate();
  EXPECT_EQ(config, "generation 2");
  for (int i = 0; i < 20; ++i) iterate();
  const ProbeResult stop{};
  while (!worker.send(make_message(MessageType::kDrainDone, 0, sent, stop))) iterate();
  ++sent;
  EXPECT_EQ(wait_exit(second), 0);
  const Report r2 = read_report(pipe_fds[0]);
  // It starts after the last event the first consumed (exactly the next unless that one was dropped while
  // the ring was full), and no event is seen twice or lost without being counted as dropped.
  EXPECT_GT(r2.first_id, r1.last_id);
  EXPECT_EQ(r2.last_id, sent - 1);
  EXPECT_EQ(r1.consumed + r2.consumed + segment->events(0).control->dropped.get(), sent);
  EXPECT_EQ(worker.target_health(0).state, HealthState::kHealthy);
  EXPECT_EQ(segment->control().controller_epoch.load(), 2u);
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
}

}  // namespace
}  // namespace tollgate::shm
