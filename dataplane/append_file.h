// How the dataplane opens the files it appends to (the access log): the config check and the writer open
// them the same way, so --check-config fails exactly when the writer would.
#pragma once

#include <fcntl.h>

#include <string>

namespace tollgate::dataplane {

// O_APPEND: every write() lands at the end even if another process (a log shipper, a second writer after a
// restart) appends too. Mode 0640: the log holds client addresses and request lines, not for everyone.
// Returns the descriptor, or -1 with errno set.
inline int open_for_append(const std::string& path) {
  return ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

}  // namespace tollgate::dataplane
