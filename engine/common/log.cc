#include "engine/common/log.h"

#include <cstdio>
#include <ctime>

namespace tollgate {

void log_line(std::string_view level, std::string_view text) {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  tm utc{};
  ::gmtime_r(&ts.tv_sec, &utc);
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &utc);
  // One write per line, so lines from a restarted process appended to the same file never interleave.
  const std::string line = fmt::format("{}.{:03}Z {} {}\n", when, ts.tv_nsec / 1000000, level, text);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace tollgate
