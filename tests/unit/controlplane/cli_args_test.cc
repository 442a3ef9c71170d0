// tollgatectl's argument handling, run as a process: usage errors exit 2 with a clear message, --help
// exits 0 everywhere, and commands that need the control plane say when it is not there.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace {

struct CtlRun {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

CtlRun tollgatectl(const std::string& args) {
  const std::string cmd =
      std::string(TOLLGATECTL) + " --socket /nonexistent/tollgate-test.sock " + args + " 2>&1";
  CtlRun r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.output.append(buf.data(), n);
  const int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

TEST(TollgatectlArgs, HelpEverywhere) {
  for (const char* args : {"--help", "config --help", "config check --help", "config reload --help",
                           "show --help", "show targets --help", "top --help", "target --help",
                           "target drain --help", "target weight --help"}) {
    const CtlRun r = tollgatectl(args);
    EXPECT_EQ(r.exit_code, 0) << args << "\n" << r.output;
    EXPECT_NE(r.output.find("Usage:"), std::string::npos) << args << "\n" << r.output;
  }
}

TEST(TollgatectlArgs, UsageErrorsExit2WithAMessage) {
  struct Case {
    const char* args;
    const char* says;
  };
  for (const Case& c : {Case{"", "a command is required"}, Case{"frobnicate", "not expected: frobnicate"},
                        Case{"target", "target needs"}, Case{"show", "show needs one of"},
                        Case{"show everything", "everything"}, Case{"config check", "FILE is required"},
                        Case{"target drain web", "TARGET is required"},
                        Case{"target weight web 198.19.0.11:8080", "WEIGHT is required"},
                        Case{"target weight web 198.19.0.11:8080 heavy", "heavy"},
                        Case{"top --iterations -1", "iterations"}, Case{"show stats --jsn", "--jsn"}}) {
    const CtlRun r = tollgatectl(c.args);
    EXPECT_EQ(r.exit_code, 2) << c.args << "\n" << r.output;
    EXPECT_NE(r.output.find(c.says), std::string::npos) << c.args << "\n" << r.output;
    EXPECT_NE(r.output.find("--help"), std::string::npos) << c.args << ": points at --help\n" << r.output;
  }
}

TEST(TollgatectlArgs, NoControlPlaneIsAClearFailure) {
  const CtlRun r = tollgatectl("show stats");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("cannot reach the control plane at /nonexistent/tollgate-test.sock"),
            std::string::npos)
      << r.output;
}

TEST(TollgatectlArgs, ConfigCheckNeedsNoControlPlane) {
  const CtlRun good =
      tollgatectl(std::string("config check ") + TOLLGATE_SOURCE_ROOT + "/tests/configs/tcp-lab.toml");
  EXPECT_EQ(good.exit_code, 0) << good.output;
  EXPECT_NE(good.output.find(": ok"), std::string::npos) << good.output;
  const CtlRun bad =
      tollgatectl(std::string("config check ") + TOLLGATE_SOURCE_ROOT + "/tests/configs/unknown-pool.toml");
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
  EXPECT_NE(bad.output.find("unknown-pool.toml:12: listener[0].pool: no pool named 'nope'"),
            std::string::npos)
      << bad.output;
}

}  // namespace
