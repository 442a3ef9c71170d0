// One access-log line per AccessRecord: a JSON object on a single line, keys in a fixed order. Runs on the
// writer thread, never on a worker. The keys are an interface for log pipelines: add new ones at the end,
// never rename or retype one (docs/ARCHITECTURE.md, "Access log", lists them).
//
//   time                    RFC 3339 UTC with microseconds, when the request started
//   client                  "ip:port"
//   listener                listener name
//   rule_priority           priority of the rule that took the request, 0 for the default action
//   pool                    pool name, or null when no pool was involved
//   target                  "ip:port", or null when the request was answered here
//   request_processing_ms   milliseconds with 3 decimals as ALB's *_processing_time, -1 when not applicable
//   target_processing_ms
//   response_processing_ms
//   status                  status sent to the client, null when none was
//   target_status           status the target sent, null when none
//   bytes_in, bytes_out     bytes of this request from and to the client
//   request                 "METHOD target version" as received, cut at 256 bytes
//   user_agent              null when absent
//   tls_protocol            "TLSv1.2", "TLSv1.3", or null for plaintext
//   tls_cipher              OpenSSL's name for the suite ("TLS_AES_128_GCM_SHA256",
//                           "ECDHE-ECDSA-AES128-GCM-SHA256"), "0x...." for one without a name here, or null
//   sni                     null when the client sent none
//   request_id              null when there is none
//
// Client-controlled text is escaped so every line is valid JSON whatever the bytes: quote and backslash
// escaped, control characters and DEL as \u00XX, valid UTF-8 kept, any byte that is not part of a valid
// UTF-8 sequence as \u00XX of the byte (so 0xFF reads back as U+00FF).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/proxy/access_record.h"

namespace tollgate::proxy {

// Names for the indices a record carries, given once when the writer starts.
struct AccessLogNames {
  std::vector<std::string> listeners;  // by listener index in the config
  std::vector<std::string> pools;      // by pool index in the config
};

// Appends one JSON object and '\n' to `out`.
void format_access_line(const AccessRecord& record, const AccessLogNames& names, std::string& out);

// Appends `text` as a JSON string (with the quotes), escaped as described above.
void append_json_string(std::string_view text, std::string& out);

// "TLSv1.3" for 0x0304 and so on; empty for a version without a name here.
std::string_view tls_protocol_name(uint16_t version);
// OpenSSL's name for an IANA cipher suite id the proxies can negotiate; empty for any other.
std::string_view tls_cipher_name(uint16_t cipher);

}  // namespace tollgate::proxy
