// `tollgatectl config check FILE`: the dataplane's own config reader, run locally (no control plane
// needed). Every error as FILE:LINE: KEY: message (hint) on stderr and exit 1; "FILE: ok" and exit 0.
// Warnings (a certificate expiring within 30 days) go to stderr as "warning: FILE:LINE: KEY: message" and
// do not change the exit code.
#pragma once

#include <string>

namespace tollgate::controlplane {

struct CheckOutput {
  int exit_code = 0;
  std::string out;  // stdout
  std::string err;  // stderr
};

CheckOutput check_config(const std::string& path);

}  // namespace tollgate::controlplane
