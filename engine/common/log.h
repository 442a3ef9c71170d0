// The processes' log (the dataplane's and the control plane's): one line per event on stderr, with a UTC
// timestamp and a level. The lab redirects it to $RUN/dataplane.log and $RUN/controlplane.log; under a
// service manager it goes to the journal. For start-up, shutdown, reloads and errors, never the fast path
// (it formats, allocates and writes).
#pragma once

#include <fmt/format.h>

#include <string_view>

namespace tollgate {

void log_line(std::string_view level, std::string_view text);

template <typename... Args>
void log_info(fmt::format_string<Args...> f, Args&&... args) {
  log_line("info", fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void log_warning(fmt::format_string<Args...> f, Args&&... args) {
  log_line("warning", fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void log_error(fmt::format_string<Args...> f, Args&&... args) {
  log_line("error", fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace tollgate
