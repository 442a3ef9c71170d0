#include "engine/proxy/tls_proxy.h"

#include <algorithm>
#include <cstring>

#include "engine/common/byte_order.h"
#include "engine/tls/record.h"

namespace tollgate::proxy {

namespace {

constexpr uint8_t kAlertWarning = 1;
constexpr uint8_t kAlertFatal = 2;
constexpr uint8_t kCloseNotify = 0;
constexpr uint8_t kUnexpectedMessage = 10;
constexpr uint8_t kInternalError = 80;
constexpr uint8_t kKeyUpdate = 24;  // handshake message type (RFC 8446 §4)

// Room for one maximal record and the start of the next: a record's bytes are gathered here until whole.
constexpr size_t kRecordBuffer = tls::kMaxRecordSize + 2048;

// Dynamic record sizing: a connection starts (and restarts after an idle second) with records that fit
// one TCP segment, so the client can decrypt each as it arrives (latency); after 64 KiB of a burst it
// switches to 16 KiB records (fewer headers, tags and crypto calls per byte).
constexpr uint32_t kSmallRecordContent = 1360;  // + 22 bytes of TLS 1.3 overhead < one segment's payload
constexpr uint64_t kBulkAfterBytes = 64 * 1024;
constexpr uint64_t kIdleResetUs = 1'000'000;

// Plaintext and handshake bytes travel in packet-sized buffers (the plentiful pool).
uint32_t piece_size(const tcp::BufferOps& ops) {
  return ops.packet_allocation ? ops.packet_allocation : ops.max_allocation;
}

}  // namespace

TlsProxy::TlsProxy(tcp::TcpStack& stack, tls::AeadEngine& engine, const tls::ServerContext& context,
                   net::Ipv4Address backend_source, std::vector<Target> targets, uint32_t max_sessions,
                   const uint64_t& now_us, uint64_t handshake_timeout_us)
    : stack_(stack),
      engine_(engine),
      context_(context),
      backend_source_(backend_source),
      targets_(std::move(targets)),
      max_sessions_(max_sessions),
      scratch_(tls::AeadEngine::kCapacity * tls::kMaxCiphertext),
      now_us_(now_us),
      handshake_timeout_us_(handshake_timeout_us) {}

TlsProxy::~TlsProxy() {
  for (auto& s : sessions_) {
    tls::AeadEngine::erase(s->read);
    tls::AeadEngine::erase(s->write);
  }
}

const Target& TlsProxy::next_target() {
  const Target& t = targets_[next_target_];
  next_target_ = (next_target_ + 1) % targets_.size();
  return t;
}

tcp::StreamHandler* TlsProxy::on_accept(tcp::Connection& client) {
  if (targets_.empty()) {
    counters_.backend_failures.add();
    return nullptr;
  }
  if (free_.empty()) {
    if (sessions_.size() >= max_sessions_) {
      counters_.no_memory.add();
      return nullptr;  // the stack resets the client
    }
    // Sessions are made on first need and reused after: a TLS session is kilobytes (keys, record
    // buffer), too much to preallocate for every possible connection.
    auto s = std::make_unique<Session>();
    s->proxy = this;
    s->client.session = s->backend.session = s.get();
    s->client.is_client = true;
    free_.push_back(s.get());
    sessions_.push_back(std::move(s));
  }
  Session* s = free_.back();
  free_.pop_back();
  s->in_use = true;
  s->established = s->backend_connected = s->client_done = s->closing = false;
  s->burst_bytes = 0;
  s->last_seal_us = now_us_;
  s->client_fin_forwarded = false;
  s->open_count = s->seal_count = 0;
  s->records.clear();
  s->client.connection = &client;
  s->backend.connection = nullptr;
  s->handshake = std::make_unique<tls::ServerHandshake>(context_);
  s->handshake_deadline_us = now_us_ + handshake_timeout_us_;
  s->handshaking_index = handshaking_.size();
  handshaking_.push_back(s);
  ++active_;
  counters_.sessions.add();
  return &s->client;
}

// Bytes copied into packet-buffer-sized pieces on a connection's send queue: handshake flights to the
// client as OpenSSL produced them, opened plaintext to the backend.
bool TlsProxy::copy_to(tcp::Connection& c, std::span<const uint8_t> bytes) {
  const tcp::BufferOps& ops = stack_.buffers();
  while (!bytes.empty()) {
    const uint32_t n = std::min<uint32_t>(static_cast<uint32_t>(bytes.size()), piece_size(ops));
    uint8_t* data = nullptr;
    tcp::PacketRef p = ops.make(n, &data);
    if (!p) {
      counters_.no_memory.add();
      return false;
    }
    std::memcpy(data, bytes.data(), n);
    const bool ok = stack_.write(c, p, 0, n, now_us_);
    ops.drop(p);
    if (!ok) return false;
    bytes = bytes.subspan(n);
  }
  return true;
}

bool TlsProxy::send_record(Session& s, tls::ContentType type, std::span<const uint8_t> content) {
  const tcp::BufferOps& ops = stack_.buffers();
  const auto size = static_cast<uint32_t>(tls::sealed_size(s.write, content.size()));
  uint8_t* data = nullptr;
  tcp::PacketRef p = ops.make(size, &data);
  if (!p) {
    counters_.no_memory.add();
    return false;
  }
  std::memcpy(data + tls::record_prefix(s.write), content.data(), content.size());
  // Alerts and KeyUpdates go through their own engine: the core's batch may be between run and finish.
  control_.clear();
  const tls::SealTicket t = tls::queue_seal(control_, s.write, {data, size}, content.size(), type);
  bool ok = t.error == tls::RecordError::kNone;
  if (ok) {
    control_.run();
    ok = tls::finish_seal(control_, t) == tls::RecordError::kNone;
  }
  control_.clear();
  if (ok) ok = stack_.write(*s.client.connection, p, 0, static_cast<uint32_t>(t.record_size), now_us_);
  ops.drop(p);
  if (ok) counters_.records_sealed.add();
  return ok;
}

// A fatal alert (when keys exist), then the client is closed and the backend reset.
void TlsProxy::fatal(Session& s, uint8_t alert) {
  if (s.closing || !s.client.connection) return;
  s.closing = true;
  if (s.established) {
    const uint8_t body[2] = {kAlertFatal, alert};
    send_record(s, tls::ContentType::kAlert, body);
  }
  if (s.backend.connection) stack_.abort(*s.backend.connection);
  if (s.client.connection) stack_.shutdown(*s.client.connection, now_us_);
}

void TlsProxy::close_notify(Session& s) {
  if (s.closing || !s.client.connection) return;
  s.closing = true;
  const uint8_t body[2] = {kAlertWarning, kCloseNotify};
  send_record(s, tls::ContentType::kAlert, body);
  stack_.shutdown(*s.client.connection, now_us_);
}

// Ciphertext moves from the TCP receive queue into the record buffer as far as it has room; what stays
// in the queue closes the client's window (back-pressure). Returns the bytes moved.
size_t TlsProxy::pull_ciphertext(Session& s) {
  tcp::Connection& c = *s.client.connection;
  const size_t room = kRecordBuffer - s.records.size();
  const auto n = static_cast<uint32_t>(std::min<size_t>(room, c.receive_queue.bytes()));
  if (n == 0) return 0;
  if (s.records.capacity() < kRecordBuffer) take_buffer(s);
  const size_t at = s.records.size();
  s.records.resize(at + n);
  c.receive_queue.copy_out(stack_.buffers(), 0, std::span<uint8_t>(s.records).subspan(at, n));
  stack_.consume(c, n, now_us_);
  return n;
}

// A record buffer is lent to a session only while it holds bytes: an idle connection keeps none.
void TlsProxy::take_buffer(Session& s) {
  std::vector<uint8_t> buffer;
  if (!spare_buffers_.empty()) {
    buffer = std::move(spare_buffers_.back());
    spare_buffers_.pop_back();
  }
  buffer.clear();
  buffer.reserve(kRecordBuffer);
  // Bytes already waiting (what take_keys handed over after the handshake) keep their place in front.
  buffer.insert(buffer.end(), s.records.begin(), s.records.end());
  s.records.swap(buffer);
}

void TlsProxy::return_buffer(Session& s) {
  if (!s.records.empty() || s.records.capacity() == 0) return;
  if (spare_buffers_.size() < kSpareBuffers) spare_buffers_.push_back(std::move(s.records));
  s.records = std::vector<uint8_t>();
}

void TlsProxy::client_data(Session& s) {
  if (!s.client.connection) return;
  pull_ciphertext(s);
  if (s.established) {
    if (s.backend_connected) mark(s);  // opened in this poll iteration's batch; else held for the backend
    return;
  }
  if (s.handshake) {
    flight_.clear();
    const tls::HandshakeStatus status = s.handshake->feed(s.records, flight_);
    s.records.clear();
    return_buffer(s);
    if (!flight_.empty() && !copy_to(*s.client.connection, flight_)) return fatal(s, kInternalError);
    if (status == tls::HandshakeStatus::kFailed) {
      counters_.handshake_failures.add();
      const auto reason = static_cast<size_t>(s.handshake->failure());
      counters_.failures_by_reason[std::min(reason, kHandshakeFailureKinds - 1)].add();
      end_handshake(s);
      s.closing = true;
      if (s.client.connection) stack_.shutdown(*s.client.connection, now_us_);  // the alert is in the flight
      return;
    }
    if (status != tls::HandshakeStatus::kDone) return;
    if (!s.handshake->take_keys(engine_, s.read, s.write, s.secrets, s.records)) {
      end_handshake(s);
      return fatal(s, kInternalError);
    }
    counters_.handshakes.add();
    if (s.handshake->resumed()) counters_.handshakes_resumed.add();
    end_handshake(s);  // frees the SSL: the record layer owns the connection from here
    return_buffer(s);
    s.established = true;
    const Target& t = next_target();
    tcp::Connection* b = stack_.connect(backend_source_, t.address, t.port, &s.backend, now_us_);
    if (!b) {
      counters_.backend_failures.add();
      return fatal(s, kInternalError);
    }
    counters_.backend_connects.add();
    s.backend.connection = b;
    // Records that came with the Finished wait for the backend connection.
  }
}

// TLS 1.3 post-handshake messages from a client: KeyUpdate only (RFC 8446 §4.6.3).
bool TlsProxy::handle_post_handshake(Session& s, std::span<const uint8_t> message) {
  if (s.read.version != tls::TlsVersion::kTls13 || message.size() != 5 || message[0] != kKeyUpdate ||
      message[1] != 0 || message[2] != 0 || message[3] != 1 || message[4] > 1) {
    return false;
  }
  counters_.key_updates.add();
  if (!next_generation(s.read, s.secrets.read.data(), s.secrets.length)) return false;
  if (message[4] == 0) return true;
  // update_requested: answer with our own KeyUpdate under the old keys, then switch (RFC 8446 §4.6.3).
  const uint8_t update[5] = {kKeyUpdate, 0, 0, 1, 0};
  return send_record(s, tls::ContentType::kHandshake, update) &&
         next_generation(s.write, s.secrets.write.data(), s.secrets.length);
}

// One direction's next traffic secret and the keys derived from it, sequence number back to 0.
bool TlsProxy::next_generation(tls::TrafficKeys& keys, uint8_t* secret, size_t length) {
  return tls::update_traffic_secret(keys.suite, {secret, length}) &&
         tls::install_from_secret(engine_, keys, keys.suite, {secret, length});
}

// Cross-connection batching. Events only mark a session pending; once per poll iteration flush() queues
// the AEAD work of every pending session (records to open, backend bytes to seal) into the core's engine,
// runs it once, then finishes each session in turn. A session with more to do than fit stays pending.
void TlsProxy::mark(Session& s) {
  if (s.pending || !s.in_use) return;
  s.pending = true;
  pending_.push_back(&s);
}

void TlsProxy::flush() {
  while (!pending_.empty()) {
    work_.swap(pending_);
    pending_.clear();
    engine_.clear();
    opens_ = seals_ = 0;
    scratch_at_ = 0;
    for (Session* s : work_) {
      s->pending = false;
      queue_session(*s);
    }
    if (engine_.size() > 0) {
      engine_.run();
      counters_.aead_batches.add();
    }
    for (Session* s : work_) finish_session(*s);
    engine_.clear();
    work_.clear();
  }
}

void TlsProxy::queue_session(Session& s) {
  s.open_first = opens_;
  s.open_count = 0;
  s.seal_first = seals_;
  s.seal_count = 0;
  s.seal_taken = 0;
  s.batch_alert = 0;
  s.starved = false;
  if (!s.established || s.closing || !s.client.connection) return;
  const tcp::BufferOps& ops = stack_.buffers();
  // Seal what the backend sent, as far as the client's send buffer takes it.
  if (s.backend.connection) {
    tcp::Connection& src = *s.backend.connection;
    const size_t overhead = tls::sealed_size(s.write, 0);
    if (now_us_ - s.last_seal_us > kIdleResetUs) s.burst_bytes = 0;
    uint32_t room = stack_.write_space(*s.client.connection);
    const uint32_t available = src.receive_queue.bytes();
    while (!engine_.full() && s.seal_taken < available) {
      const bool bulk =
          s.burst_bytes >= kBulkAfterBytes && ops.max_allocation > tls::kMaxPlaintext + overhead;
      // Never above the client's record_size_limit (RFC 8449), whatever the sizing wants.
      const size_t max_content = std::min(
          tls::max_content(s.write),
          bulk ? tls::kMaxPlaintext : std::min<size_t>(kSmallRecordContent, piece_size(ops) - overhead));
      const auto content = static_cast<uint32_t>(std::min<size_t>(max_content, available - s.seal_taken));
      const auto size = static_cast<uint32_t>(tls::sealed_size(s.write, content));
      if (size > room) {
        s.client.connection->write_blocked = true;  // the rest waits for room towards the client
        break;
      }
      uint8_t* data = nullptr;
      tcp::PacketRef p = ops.make(size, &data);
      if (!p) {
        counters_.no_memory.add();
        break;
      }
      src.receive_queue.copy_out(ops, s.seal_taken, {data + tls::record_prefix(s.write), content});
      const tls::SealTicket t =
          tls::queue_seal(engine_, s.write, {data, size}, content, tls::ContentType::kApplicationData);
      if (t.error != tls::RecordError::kNone) {
        ops.drop(p);
        break;
      }
      seal_tickets_[seals_] = t;
      seal_packets_[seals_++] = p;
      ++s.seal_count;
      s.seal_taken += content;
      room -= size;
      s.burst_bytes += content;
      s.last_seal_us = now_us_;
      if (content > kSmallRecordContent) counters_.bulk_records.add();
    }
  }
  // Open every complete record the backend has room for (out of place: a KeyUpdate in the middle leaves
  // the ciphertext behind it intact, to be opened again with the new keys).
  if (s.backend.connection && s.backend_connected) {
    uint32_t budget = stack_.write_space(*s.backend.connection);
    size_t scan = 0;
    while (!engine_.full() && s.records.size() - scan >= tls::kHeaderSize) {
      const uint16_t length = load_be16(&s.records[scan + 3]);
      if (length > tls::kMaxCiphertext) {
        s.batch_alert = static_cast<uint8_t>(tls::RecordError::kRecordOverflow);
        break;
      }
      const size_t total = tls::kHeaderSize + length;
      if (s.records.size() - scan < total) break;
      if (length > budget) {
        s.backend.connection->write_blocked = true;  // on_writable resumes here
        break;
      }
      budget -= length;
      const tls::OpenTicket t =
          tls::queue_open(engine_, s.read, std::span<uint8_t>(s.records).subspan(scan, total),
                          std::span<uint8_t>(scratch_).subspan(scratch_at_, length));
      if (t.error != tls::RecordError::kNone) {
        s.batch_alert = tls::alert_for(t.error);
        break;
      }
      scratch_at_ += length;
      scan += total;
      open_tickets_[opens_] = t;
      open_ends_[opens_++] = scan;
      ++s.open_count;
    }
  }
  // The batch filled up: whatever this session still has waits for the next round of the same flush.
  // (Room and allocation failures are not retried here: write_blocked brings on_writable, and a session
  // marked again on an empty pool would spin the flush.)
  s.starved = engine_.full();
}

void TlsProxy::finish_session(Session& s) {
  const tcp::BufferOps& ops = stack_.buffers();
  // Sealed records first: their sequence numbers come before anything sent while opening (a KeyUpdate
  // answer, an alert).
  bool sealed_ok = true;
  for (uint16_t i = s.seal_first; i < s.seal_first + s.seal_count; ++i) {
    sealed_ok = sealed_ok && s.client.connection &&
                tls::finish_seal(engine_, seal_tickets_[i]) == tls::RecordError::kNone &&
                stack_.write(*s.client.connection, seal_packets_[i], 0,
                             static_cast<uint32_t>(seal_tickets_[i].record_size), now_us_);
    ops.drop(seal_packets_[i]);
  }
  if (s.seal_count > 0) {
    counters_.records_sealed.add(s.seal_count);
    counters_.bytes_to_client.add(s.seal_taken);
    if (s.backend.connection) stack_.consume(*s.backend.connection, s.seal_taken, now_us_);
  }
  if (!s.in_use || !s.client.connection) return;
  if (!sealed_ok) return fatal(s, kInternalError);

  size_t at = 0;
  bool more = s.starved;
  for (uint16_t i = s.open_first; i < s.open_first + s.open_count; ++i) {
    const tls::Plaintext pt = tls::finish_open(engine_, open_tickets_[i]);
    if (pt.error != tls::RecordError::kNone) {
      counters_.record_errors.add();
      return fatal(s, tls::alert_for(pt.error));
    }
    counters_.records_opened.add();
    at = open_ends_[i];
    if (pt.type == tls::ContentType::kApplicationData) {
      if (!s.client_done) {
        counters_.bytes_to_backend.add(pt.content.size());
        if (!copy_to(*s.backend.connection, pt.content)) return fatal(s, kInternalError);
      }
      continue;
    }
    if (pt.type == tls::ContentType::kAlert) {
      counters_.alerts_received.add();
      if (pt.content.size() == 2 && pt.content[1] == kCloseNotify) {
        // The client is done sending: the backend gets a FIN once what came before is out.
        s.client_done = true;
        s.records.erase(s.records.begin(), s.records.begin() + static_cast<std::ptrdiff_t>(at));
        if (s.backend.connection) stack_.shutdown(*s.backend.connection, now_us_);
        return;
      }
      if (s.backend.connection) stack_.abort(*s.backend.connection);
      if (s.client.connection) stack_.abort(*s.client.connection);
      return;
    }
    if (pt.type == tls::ContentType::kHandshake && handle_post_handshake(s, pt.content)) {
      more = true;  // records behind it in this batch used the old keys: opened again next round
      break;
    }
    counters_.record_errors.add();
    return fatal(s, kUnexpectedMessage);
  }
  if (at > 0) s.records.erase(s.records.begin(), s.records.begin() + static_cast<std::ptrdiff_t>(at));
  if (s.batch_alert != 0 && !more) {
    counters_.record_errors.add();
    return fatal(s, s.batch_alert);
  }
  if (!s.client.connection || s.closing) return;
  // Opening made room in the record buffer: more ciphertext may wait in the TCP queue.
  if (pull_ciphertext(s) > 0) more = true;
  if (more) {
    mark(s);
    return;
  }
  return_buffer(s);
  // Half-closes, once everything before them has moved: the backend's FIN becomes close_notify, the
  // client's FIN (without close_notify) a FIN to the backend.
  if (s.backend.connection && s.backend.connection->fin_received &&
      s.backend.connection->receive_queue.bytes() == 0)
    close_notify(s);
  if (s.client.connection && s.client.connection->fin_received &&
      s.client.connection->receive_queue.bytes() == 0 && s.records.empty() && s.backend.connection &&
      !s.client_fin_forwarded) {
    s.client_fin_forwarded = true;
    stack_.shutdown(*s.backend.connection, now_us_);
  }
}

void TlsProxy::Side::on_connected(tcp::Connection&) {
  session->backend_connected = true;
  session->proxy->client_data(*session);  // data that came with, or after, the client's Finished
}

void TlsProxy::Side::on_data(tcp::Connection&) {
  if (is_client) {
    session->proxy->client_data(*session);
  } else {
    session->proxy->mark(*session);
  }
}

void TlsProxy::Side::on_peer_closed(tcp::Connection& c) {
  Session& s = *session;
  if (is_client && (s.handshake || !s.established)) {
    if (s.client.connection) s.proxy->stack_.abort(*s.client.connection);
    return;
  }
  on_data(c);  // finish_session forwards the half-close once everything before it has moved
}

void TlsProxy::Side::on_writable(tcp::Connection&) {
  session->proxy->mark(*session);
}

void TlsProxy::Side::on_closed(tcp::Connection&, tcp::CloseReason reason) {
  session->proxy->end_side(*this, reason);
}

void TlsProxy::end_side(Side& side, tcp::CloseReason reason) {
  side.connection = nullptr;
  Session& s = *side.session;
  Side& other = side.is_client ? s.backend : s.client;
  if (!side.is_client && !s.backend_connected) counters_.backend_failures.add();
  if (other.connection) {
    if (reason == tcp::CloseReason::kNormal) {
      if (side.is_client) {
        stack_.shutdown(*other.connection, now_us_);
      } else {
        close_notify(s);
      }
    } else {
      tcp::Connection* o = other.connection;
      stack_.abort(*o);  // → other's on_closed → end_side → frees the session
      return;
    }
  }
  maybe_free(s);
}

void TlsProxy::maybe_free(Session& s) {
  if (!s.in_use || s.client.connection || s.backend.connection) return;
  s.in_use = false;
  end_handshake(s);
  s.records.clear();
  return_buffer(s);
  tls::AeadEngine::erase(s.read);
  tls::AeadEngine::erase(s.write);
  --active_;
  free_.push_back(&s);
}

size_t TlsProxy::session_bytes() {
  return sizeof(Session);
}

size_t TlsProxy::buffers_lent() const {
  size_t n = 0;
  for (const auto& s : sessions_) n += s->records.capacity() > 0;
  return n;
}

void TlsProxy::end_handshake(Session& s) {
  if (!s.handshake) return;
  // Counted once the handshake is over, however it ended (done, failed, timed out, connection gone).
  if (s.handshake->hello_retried()) counters_.hello_retries.add();
  s.handshake.reset();
  // Swap-remove from the list the timeout scan walks.
  Session* last = handshaking_.back();
  handshaking_[s.handshaking_index] = last;
  last->handshaking_index = s.handshaking_index;
  handshaking_.pop_back();
}

// A client that stalls mid-handshake holds an SSL and a connection: after the handshake timeout it is
// reset and counted. Only sessions still handshaking are walked.
void TlsProxy::expire(uint64_t now_us) {
  for (size_t i = 0; i < handshaking_.size();) {
    Session& s = *handshaking_[i];
    if (now_us < s.handshake_deadline_us) {
      ++i;
      continue;
    }
    counters_.handshake_timeouts.add();
    end_handshake(s);  // moves another session into slot i
    s.closing = true;
    if (s.client.connection) stack_.abort(*s.client.connection);  // → on_closed → frees the session
  }
}

}  // namespace tollgate::proxy
