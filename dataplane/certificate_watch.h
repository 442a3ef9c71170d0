// Certificate reload without a restart: the main lcore looks at every tls/https listener's certificate
// and key files about once a second; when they have changed and then stayed the same for one more look
// (an operator's copy has finished), it builds the listener's contexts anew — the same checks as at start
// (PEM, key matches leaf, SNI names) — and offers one to each worker, which adopts it at its next timer
// tick. New handshakes use the new certificates; connections already established, and handshakes already
// running, keep theirs. A set that fails the checks is refused, logged with the reason, and the running
// certificates stay until the files change again.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "engine/tls/server_context.h"
#include "engine/tls/ticket_keys.h"

namespace tollgate::dataplane {

class Worker;

class CertificateWatch {
 public:
  // `tickets[i]`: listener i's ticket key ring, shared by every core's contexts (kept across reloads, so
  // tickets issued before a reload still resume).
  CertificateWatch(const DataplaneConfig& config, std::vector<std::shared_ptr<tls::TicketKeyRing>> tickets);

  // One look at the files; reloads what changed and settled. Returns one line per reload or refusal, for
  // the log.
  std::vector<std::string> poll(const std::vector<Worker*>& workers);

 private:
  struct FileState {
    ino_t inode = 0;
    off_t size = -1;
    int64_t mtime_ns = 0;
    bool operator==(const FileState&) const = default;
  };
  struct Watched {
    uint32_t listener = 0;  // index in the config
    std::string name;
    std::vector<tls::CertificateFiles> files;
    tls::SecurityPolicy policy = tls::SecurityPolicy::kDefault;
    std::vector<FileState> loaded;  // what the running contexts were built from
    std::vector<FileState> seen;    // the last look
  };

  static std::vector<FileState> look(const Watched& w);
  std::string reload(Watched& w, const std::vector<Worker*>& workers);

  std::vector<Watched> watched_;
  std::vector<std::shared_ptr<tls::TicketKeyRing>> tickets_;
};

// "serial 0A1B..., notAfter Dec  1 00:00:00 2027 GMT" of the first certificate in a PEM file, for logs.
std::string leaf_summary(const std::string& chain_pem);

}  // namespace tollgate::dataplane
