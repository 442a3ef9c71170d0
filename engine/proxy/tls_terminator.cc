#include "engine/proxy/tls_terminator.h"

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "engine/common/byte_order.h"
#include "engine/proxy/send_copy.h"
#include "engine/tls/record.h"
#include "engine/tls/wire_numbers.h"

namespace tollgate::proxy {

namespace {

using namespace tls::wire;

// Post-handshake messages cost a key derivation (KeyUpdate) or an alert (renegotiation) each: a peer may
// send kPostHandshakePerWindow of them per second per connection, which no genuine peer comes near (keys
// are updated after gigabytes, tickets come by twos); one more is fatal. A TLS 1.2 client is refused
// renegotiation kMaxRenegotiations times, then the connection is closed: it will not get one.
constexpr uint64_t kPostHandshakeWindowUs = 1'000'000;
constexpr uint16_t kPostHandshakePerWindow = 16;
constexpr uint8_t kMaxRenegotiations = 3;

// Room for one maximal record and the start of the next: a record's bytes are gathered here until whole.
constexpr size_t kRecordBuffer = tls::kMaxRecordSize + 2048;

// Dynamic record sizing: a connection starts (and restarts after an idle second) with records that fit
// one TCP segment, so the client can decrypt each as it arrives (latency); after 64 KiB of a burst it
// switches to 16 KiB records (fewer headers, tags and crypto calls per byte).
constexpr uint32_t kSmallRecordContent = 1360;  // + 22 bytes of TLS 1.3 overhead < one segment's payload
constexpr uint64_t kBulkAfterBytes = 64 * 1024;
constexpr uint64_t kIdleResetUs = 1'000'000;

// Plaintext waiting on either side of the application, per connection: opened records stop being opened
// (and the client's window closes) while kPlainInLimit bytes wait for the application; the application
// may queue kPlainOutLimit bytes for sealing before write_space() says no.
constexpr uint32_t kPlainInLimit = 64 * 1024;
constexpr uint32_t kPlainOutLimit = 128 * 1024;

}  // namespace

TlsTerminator::TlsTerminator(tcp::TcpStack& stack, tls::AeadEngine& engine, const tls::ServerContext& context,
                             StreamApplication& app, uint32_t max_sessions, const uint64_t& now_us,
                             uint64_t handshake_timeout_us)
    : stack_(stack),
      engine_(engine),
      context_(&context),
      app_(&app),
      sessions_(max_sessions),
      scratch_(tls::AeadEngine::kCapacity * tls::kMaxCiphertext),
      now_us_(now_us),
      handshake_timeout_us_(handshake_timeout_us) {}

TlsTerminator::TlsTerminator(tcp::TcpStack& stack, tls::AeadEngine& engine, uint32_t max_sessions,
                             const uint64_t& now_us, uint64_t handshake_timeout_us)
    : stack_(stack),
      engine_(engine),
      context_(nullptr),
      app_(nullptr),
      sessions_(max_sessions),
      scratch_(tls::AeadEngine::kCapacity * tls::kMaxCiphertext),
      now_us_(now_us),
      handshake_timeout_us_(handshake_timeout_us) {}

TlsTerminator::~TlsTerminator() {
  sessions_.for_each_made([&](Session& s) {
    s.plain_in.clear(stack_.chunk_pool(), stack_.buffers());
    s.plain_out.clear(stack_.chunk_pool(), stack_.buffers());
    tls::AeadEngine::erase(s.read);
    tls::AeadEngine::erase(s.write);
  });
}

tcp::StreamHandler* TlsTerminator::on_accept(tcp::Connection& client) {
  if (!context_) return nullptr;  // client role only: no listener should lead here
  if (max_handshakes_ && handshaking_.size() >= max_handshakes_) {
    counters_.handshakes_refused.add();
    counters_.last_handshake_refused = net::Ipv4Address{client.tuple.remote_ip};
    return nullptr;  // the stack resets the client
  }
  const net::Ipv4Address address{client.tuple.remote_ip};
  bool counted = false;
  if (limiter_) {
    const net::ClientLimiter::Admission a = limiter_->admit_connection(address, now_us_);
    if (net::ClientLimiter::refused(a)) return nullptr;  // reset before any handshake work
    counted = a == net::ClientLimiter::Admission::kTracked;
  }
  Session* s = open_session();
  if (!s) {
    if (counted) limiter_->connection_closed(address);
    return nullptr;  // the stack resets the client
  }
  s->client = address;
  s->counted_client = counted;
  s->server_handshake = std::make_unique<tls::ServerHandshake>(*context_);
  start_session(*s, client);
  return &s->tcp;
}

PlainStream* TlsTerminator::connect(net::Ipv4Address local, net::Ipv4Address remote, uint16_t port,
                                    const tls::ClientContext& context, StreamEvents& events) {
  Session* s = open_session();
  if (!s) return nullptr;
  tcp::Connection* c = stack_.connect(local, remote, port, &s->tcp, now_us_);
  if (!c) {
    s->in_use = false;
    sessions_.release(*s);
    return nullptr;
  }
  s->to_target = true;
  s->client_handshake = std::make_unique<tls::ClientHandshake>(context);
  s->app = &events;
  s->stream.events = &events;
  start_session(*s, *c);
  return &s->stream;
}

// A free session, in use from here; its connection comes with start_session.
TlsTerminator::Session* TlsTerminator::open_session() {
  // A TLS session is kilobytes (keys, record buffer): made on first need, not for every possible one.
  Session* s = sessions_.acquire([this](Session& made) {
    made.owner = this;
    made.tcp.session = made.stream.session = &made;
  });
  if (!s) {
    counters_.no_memory.add();
    return nullptr;
  }
  s->in_use = true;
  s->counted_client = false;
  s->established = s->peer_done = s->closing = s->app_shutdown = s->app_wants_room = false;
  s->reset_when_acked = false;
  s->post_handshake_window_us = now_us_;
  s->post_handshake_in_window = 0;
  s->renegotiations = 0;
  s->to_target = false;
  s->app = nullptr;
  s->stream.events = nullptr;
  s->tls = StreamTls{};
  s->stream.tls = &s->tls;
  s->burst_bytes = 0;
  s->last_seal_us = now_us_;
  s->open_count = s->seal_count = 0;
  s->records.clear();
  return s;
}

void TlsTerminator::start_session(Session& s, tcp::Connection& connection) {
  s.connection = &connection;
  s.stream.peer = net::Ipv4Address{connection.tuple.remote_ip};
  s.stream.peer_port = connection.tuple.remote_port;
  s.handshake_deadline_us = now_us_ + handshake_timeout_us_;
  s.handshaking_index = handshaking_.size();
  handshaking_.push_back(&s);
  ++active_;
  counters_.sessions.add();
}

bool TlsTerminator::send_record(Session& s, tls::ContentType type, std::span<const uint8_t> content) {
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
  if (ok) ok = stack_.write(*s.connection, p, 0, static_cast<uint32_t>(t.record_size), now_us_);
  ops.drop(p);
  if (ok) counters_.records_sealed.add();
  return ok;
}

// A fatal alert (when keys exist), then the client connection is closed; the application learns it when
// the connection is gone.
void TlsTerminator::fatal(Session& s, uint8_t alert) {
  if (s.closing || !s.connection) return;
  if (s.established) {
    const uint8_t body[2] = {kAlertFatal, alert};
    send_record(s, tls::ContentType::kAlert, body);
  }
  close_after_alert(s);
}

// RFC 8446 §6.2: after a fatal alert the connection is closed "immediately". Our FIN follows the alert;
// whatever the peer still sends is dropped unread (left queued, it would close the window and hold the
// session at zero window until FIN-WAIT-2 expires), and once the peer has acknowledged everything we sent
// — the alert with it — the connection is reset. Every acknowledgment calls on_writable from here on
// (write_blocked), which is where that is checked.
void TlsTerminator::close_after_alert(Session& s) {
  s.closing = true;
  if (!s.connection) return;
  s.reset_when_acked = true;
  stack_.shutdown(*s.connection, now_us_);
  discard_input(s);
  s.connection->write_blocked = true;
}

// Once closing, nothing the peer sends is read: it is consumed (the window stays open) and dropped.
void TlsTerminator::discard_input(Session& s) {
  tcp::Connection& c = *s.connection;
  if (const uint32_t n = c.receive_queue.bytes(); n > 0) {
    counters_.discarded_after_close.add(n);
    stack_.consume(c, n, now_us_);
  }
  s.records.clear();
  return_buffer(s);
}

void TlsTerminator::reset_if_acknowledged(Session& s) {
  tcp::Connection* c = s.connection;
  if (!c) return;
  if (c->send_queue.bytes() > 0) {
    c->write_blocked = true;  // not yet: the next acknowledgment asks again
    return;
  }
  counters_.resets_after_alert.add();
  stack_.abort(*c);  // → on_closed → tcp_closed: the application hears it, the session is freed
}

void TlsTerminator::close_notify(Session& s) {
  if (s.closing || !s.connection) return;
  s.closing = true;
  const uint8_t body[2] = {kAlertWarning, kCloseNotify};
  send_record(s, tls::ContentType::kAlert, body);
  stack_.shutdown(*s.connection, now_us_);
}

// Ciphertext moves from the TCP receive queue into the record buffer as far as it has room; what stays
// in the queue closes the client's window (back-pressure). Returns the bytes moved.
size_t TlsTerminator::pull_ciphertext(Session& s) {
  tcp::Connection& c = *s.connection;
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
void TlsTerminator::take_buffer(Session& s) {
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

void TlsTerminator::return_buffer(Session& s) {
  if (!s.records.empty() || s.records.capacity() == 0) return;
  if (spare_buffers_.size() < kSpareBuffers) spare_buffers_.push_back(std::move(s.records));
  s.records = std::vector<uint8_t>();
}

void TlsTerminator::tcp_data(Session& s) {
  if (!s.connection) return;
  if (s.closing) {
    discard_input(s);
    if (s.reset_when_acked) reset_if_acknowledged(s);
    return;
  }
  pull_ciphertext(s);
  if (s.established) return mark(s);  // opened in this poll iteration's batch
  flight_.clear();
  tls::HandshakeStatus status;
  if (s.server_handshake) {
    status = s.server_handshake->feed(s.records, flight_);
  } else if (s.client_handshake) {
    status = s.client_handshake->feed(s.records, flight_);
  } else {
    return;
  }
  s.records.clear();
  return_buffer(s);
  if (s.server_handshake) return handshake_step(s, *s.server_handshake, status);
  handshake_step(s, *s.client_handshake, status);
}

// Client role: the TCP connection to the target is up; our ClientHello goes out.
void TlsTerminator::start_client_handshake(Session& s) {
  if (!s.client_handshake || !s.connection) return;
  flight_.clear();
  handshake_step(s, *s.client_handshake, s.client_handshake->start(flight_));
}

// After a handshake call: its output goes to the peer; a failure ends the connection, completion hands
// the connection to the record layer.
template <typename Handshake>
void TlsTerminator::handshake_step(Session& s, Handshake& h, tls::HandshakeStatus status) {
  if (!flight_.empty()) {
    const CopyResult r = send_copy(stack_, *s.connection, flight_, now_us_);
    if (r == CopyResult::kNoBuffer) counters_.no_memory.add();
    if (r != CopyResult::kOk) return fatal(s, kInternalError);
  }
  if (status == tls::HandshakeStatus::kFailed) {
    counters_.handshake_failures.add();
    const auto reason = static_cast<size_t>(h.failure());
    counters_.failures_by_reason[std::min(reason, kHandshakeFailureKinds - 1)].add();
    end_handshake(s);
    return close_after_alert(s);  // the alert is in the flight
  }
  if (status != tls::HandshakeStatus::kDone) return;
  if (!h.take_keys(engine_, s.read, s.write, s.secrets, s.records)) {
    end_handshake(s);
    return fatal(s, kInternalError);
  }
  counters_.handshakes.add();
  if (h.resumed()) counters_.handshakes_resumed.add();
  s.post_handshake.reset(s.read.version, /*server=*/!s.to_target);
  StreamTls& facts = s.tls;
  facts.version = h.version() == tls::TlsVersion::kTls13 ? 0x0304 : 0x0303;
  facts.cipher = h.cipher_id();
  if constexpr (std::is_same_v<Handshake, tls::ServerHandshake>) {
    const std::string_view sni = h.sni();
    facts.sni_length = static_cast<uint8_t>(std::min(sni.size(), sizeof facts.sni));
    if (facts.sni_length > 0) std::memcpy(facts.sni, sni.data(), facts.sni_length);
  }
  end_handshake(s);  // frees the SSL: the record layer owns the connection from here
  return_buffer(s);
  established(s);
}

// The application takes the connection's plaintext from here; records that came with the client's
// Finished are opened in the next flush.
void TlsTerminator::established(Session& s) {
  s.established = true;
  if (s.to_target) {
    if (!s.records.empty() || s.connection->receive_queue.bytes() > 0) mark(s);
    if (s.app) s.app->stream_connected();
    return;
  }
  s.stream.events = nullptr;
  StreamEvents* events = app_->attach(s.stream);
  if (!events) {
    counters_.app_refused.add();
    return fatal(s, kInternalError);
  }
  s.stream.events = events;
  s.app = events;
  if (!s.records.empty() || s.connection->receive_queue.bytes() > 0) mark(s);
}

// Handshake records after the handshake (post_handshake.h): KeyUpdate, a target's tickets (skipped: no
// session is resumed with targets), TLS 1.2 renegotiation (refused). A KeyUpdate ends its record.
TlsTerminator::PostHandshake TlsTerminator::handle_post_handshake(Session& s,
                                                                  std::span<const uint8_t> content) {
  const tls::PostHandshakeEvent e = s.post_handshake.read(content);
  counters_.tickets_skipped.add(e.tickets);
  if (e.alert != 0) {
    counters_.record_errors.add();
    fatal(s, e.alert);
    return PostHandshake::kClosed;
  }
  if (!post_handshake_allowed(s, e.messages)) {
    counters_.post_handshake_floods.add();
    fatal(s, kUnexpectedMessage);
    return PostHandshake::kClosed;
  }
  for (uint16_t i = 0; i < e.renegotiations; ++i) {
    if (!refuse_renegotiation(s)) return PostHandshake::kClosed;
  }
  if (e.key_update < 0) return PostHandshake::kSkipped;
  counters_.key_updates.add();
  bool ok = next_generation(s.read, s.secrets.read.data(), s.secrets.length);
  if (ok && e.key_update == 1) {
    // update_requested: answer with our own KeyUpdate under the old keys, then switch (RFC 8446 §4.6.3).
    const uint8_t update[5] = {kKeyUpdate, 0, 0, 1, 0};
    ok = send_record(s, tls::ContentType::kHandshake, update) &&
         next_generation(s.write, s.secrets.write.data(), s.secrets.length);
  }
  if (!ok) {
    fatal(s, kInternalError);
    return PostHandshake::kClosed;
  }
  return PostHandshake::kKeysChanged;
}

// The rate bound on post-handshake messages: false when this record's `messages` go over it.
bool TlsTerminator::post_handshake_allowed(Session& s, uint16_t messages) {
  if (now_us_ - s.post_handshake_window_us >= kPostHandshakeWindowUs) {
    s.post_handshake_window_us = now_us_;
    s.post_handshake_in_window = 0;
  }
  s.post_handshake_in_window =
      static_cast<uint16_t>(std::min<uint32_t>(s.post_handshake_in_window + uint32_t{messages}, UINT16_MAX));
  return s.post_handshake_in_window <= kPostHandshakePerWindow;
}

// RFC 5246 §7.2.2: a renegotiation we do not do is answered with the warning no_renegotiation and the
// connection goes on — up to kMaxRenegotiations times. False when the connection is closed instead.
bool TlsTerminator::refuse_renegotiation(Session& s) {
  if (s.renegotiations >= kMaxRenegotiations) {
    counters_.renegotiation_floods.add();
    fatal(s, kUnexpectedMessage);
    return false;
  }
  ++s.renegotiations;
  counters_.renegotiations_refused.add();
  const uint8_t body[2] = {kAlertWarning, kNoRenegotiation};
  // A record that could not be sent still took a sequence number: the connection cannot go on.
  if (send_record(s, tls::ContentType::kAlert, body)) return true;
  fatal(s, kInternalError);
  return false;
}

// One direction's next traffic secret and the keys derived from it, sequence number back to 0.
bool TlsTerminator::next_generation(tls::TrafficKeys& keys, uint8_t* secret, size_t length) {
  return tls::update_traffic_secret(keys.suite, {secret, length}) &&
         tls::install_from_secret(engine_, keys, keys.suite, {secret, length});
}

// Cross-connection batching. Events only mark a session pending; once per poll iteration flush() queues
// the AEAD work of every pending session (records to open, plaintext to seal) into the core's engine,
// runs it once, then finishes each session in turn. A session with more to do than fit stays pending.
void TlsTerminator::mark(Session& s) {
  if (s.pending || !s.in_use) return;
  s.pending = true;
  pending_.push_back(&s);
}

void TlsTerminator::flush() {
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

void TlsTerminator::queue_session(Session& s) {
  s.open_first = opens_;
  s.open_count = 0;
  s.seal_first = seals_;
  s.seal_count = 0;
  s.seal_taken = 0;
  s.batch_alert = 0;
  s.starved = false;
  if (!s.established || s.closing || !s.connection) return;
  queue_seals(s);
  queue_opens(s);
  // The batch filled up: whatever this session still has waits for the next round of the same flush.
  // (Room and allocation failures are not retried here: write_blocked brings on_writable, the
  // application's consume() marks the session again, and a session marked again on an empty pool would
  // spin the flush.)
  s.starved = engine_.full();
}

// Seal what the application wrote, as far as the client's send buffer takes it.
void TlsTerminator::queue_seals(Session& s) {
  const tcp::BufferOps& ops = stack_.buffers();
  const size_t overhead = tls::sealed_size(s.write, 0);
  if (now_us_ - s.last_seal_us > kIdleResetUs) s.burst_bytes = 0;
  uint32_t room = stack_.write_space(*s.connection);
  const uint32_t available = s.plain_out.bytes();
  while (!engine_.full() && s.seal_taken < available) {
    const bool bulk = s.burst_bytes >= kBulkAfterBytes && ops.max_allocation > tls::kMaxPlaintext + overhead;
    // Never above the client's record_size_limit (RFC 8449), whatever the sizing wants.
    const size_t max_content = std::min(
        tls::max_content(s.write),
        bulk ? tls::kMaxPlaintext : std::min<size_t>(kSmallRecordContent, piece_size(ops) - overhead));
    const auto content = static_cast<uint32_t>(std::min<size_t>(max_content, available - s.seal_taken));
    const auto size = static_cast<uint32_t>(tls::sealed_size(s.write, content));
    if (size > room) {
      s.connection->write_blocked = true;  // the rest waits for room towards the client
      break;
    }
    uint8_t* data = nullptr;
    tcp::PacketRef p = ops.make(size, &data);
    if (!p) {
      counters_.no_memory.add();
      break;
    }
    s.plain_out.copy_out(ops, s.seal_taken, {data + tls::record_prefix(s.write), content});
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

// Open every complete record the application has room for (out of place: a KeyUpdate in the middle
// leaves the ciphertext behind it intact, to be opened again with the new keys).
void TlsTerminator::queue_opens(Session& s) {
  uint32_t budget = kPlainInLimit - std::min(kPlainInLimit, s.plain_in.bytes());
  size_t scan = 0;
  while (!engine_.full() && s.records.size() - scan >= tls::kHeaderSize) {
    const uint16_t length = load_be16(&s.records[scan + 3]);
    // The header alone may already be wrong: refused now, not after waiting for the body it announces.
    if (const tls::RecordError e =
            tls::check_header(s.read, std::span<const uint8_t>(s.records).subspan(scan));
        e != tls::RecordError::kNone) {
      s.batch_alert = tls::alert_for(e);
      break;
    }
    const size_t total = tls::kHeaderSize + length;
    if (s.records.size() - scan < total) break;
    if (length > budget) break;  // the application's consume() brings the session back
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

// Opened plaintext onto the application's input queue, in packet-sized copies. A record's plaintext first
// fills the room behind the queue's last chunk: plain_in is filled only here, in whole packet-sized buffers
// written front to back, so the bytes behind its last chunk are ours to write (chunks elsewhere that share
// the buffer cover only bytes before them). A client sending one-byte records then pins a buffer per
// packet of plaintext, not one per record.
bool TlsTerminator::deliver(Session& s, std::span<const uint8_t> plaintext) {
  counters_.plaintext_in.add(plaintext.size());
  const tcp::BufferOps& ops = stack_.buffers();
  if (const tcp::Chunk* tail = s.plain_in.back(); tail && !plaintext.empty()) {
    const std::span<const uint8_t> buffer = ops.view(tail->packet);
    const uint32_t end = tail->offset + tail->length;
    const auto n = static_cast<uint32_t>(std::min<size_t>(buffer.size() - end, plaintext.size()));
    if (n > 0) {
      std::memcpy(const_cast<uint8_t*>(buffer.data()) + end, plaintext.data(), n);
      s.plain_in.extend_back(n);
      plaintext = plaintext.subspan(n);
      counters_.plaintext_packed.add();
    }
  }
  const uint32_t piece = piece_size(ops);
  while (!plaintext.empty()) {
    uint8_t* data = nullptr;
    tcp::PacketRef p = ops.make(piece, &data);
    const auto n = static_cast<uint32_t>(std::min<size_t>(piece, plaintext.size()));
    if (p) std::memcpy(data, plaintext.data(), n);
    if (!p || !s.plain_in.append(stack_.chunk_pool(), ops, p, 0, n)) {
      if (p) ops.drop(p);
      counters_.no_memory.add();  // no buffer, or no chunk node
      return false;
    }
    ops.drop(p);
    plaintext = plaintext.subspan(n);
  }
  return true;
}

void TlsTerminator::finish_session(Session& s) {
  const tcp::BufferOps& ops = stack_.buffers();
  // Sealed records first: their sequence numbers come before anything sent while opening (a KeyUpdate
  // answer, an alert).
  bool sealed_ok = true;
  for (uint16_t i = s.seal_first; i < s.seal_first + s.seal_count; ++i) {
    sealed_ok = sealed_ok && s.connection &&
                tls::finish_seal(engine_, seal_tickets_[i]) == tls::RecordError::kNone &&
                stack_.write(*s.connection, seal_packets_[i], 0,
                             static_cast<uint32_t>(seal_tickets_[i].record_size), now_us_);
    ops.drop(seal_packets_[i]);
  }
  const bool room_freed = s.seal_count > 0;
  if (room_freed) {
    counters_.records_sealed.add(s.seal_count);
    counters_.plaintext_out.add(s.seal_taken);
    s.plain_out.consume(stack_.chunk_pool(), ops, s.seal_taken);
  }
  if (!s.in_use || !s.connection) return;
  if (!sealed_ok) return fatal(s, kInternalError);

  bool more = s.starved;
  bool delivered = false;
  if (!finish_opens(s, more, delivered)) return;
  if (!s.connection || s.closing) return;
  // Opening made room in the record buffer: more ciphertext may wait in the TCP queue.
  if (pull_ciphertext(s) > 0) more = true;
  // A FIN without close_notify ends the client's input too, once everything before it is opened.
  if (!s.peer_done && s.connection->fin_received && s.connection->receive_queue.bytes() == 0 && !more) {
    s.peer_done = true;
    delivered = true;
  }
  if (more) {
    mark(s);
  } else {
    return_buffer(s);
  }
  // The application ended its side and everything it wrote is sealed: close_notify.
  if (s.app_shutdown && s.plain_out.bytes() == 0) close_notify(s);
  // Tell the application last: it may consume, write or close, which marks the session again.
  if (delivered && s.app) s.app->stream_data();
  if (room_freed && s.in_use && s.app && s.app_wants_room && s.plain_out.bytes() < kPlainOutLimit) {
    s.app_wants_room = false;
    s.app->stream_writable();
  }
}

// The batch's opened records of one session, in order. False when the session ended.
bool TlsTerminator::finish_opens(Session& s, bool& more, bool& delivered) {
  size_t at = 0;
  for (uint16_t i = s.open_first; i < s.open_first + s.open_count; ++i) {
    const tls::Plaintext pt = tls::finish_open(engine_, open_tickets_[i]);
    if (pt.error != tls::RecordError::kNone) {
      counters_.record_errors.add();
      fatal(s, tls::alert_for(pt.error));
      return false;
    }
    counters_.records_opened.add();
    at = open_ends_[i];
    // RFC 8446 §5.1 (RFC 5246 §6.2.1 alike): a handshake message that spans records is not interleaved
    // with records of another type.
    if (pt.type != tls::ContentType::kHandshake && s.post_handshake.mid_message()) {
      counters_.record_errors.add();
      fatal(s, kUnexpectedMessage);
      return false;
    }
    if (pt.type == tls::ContentType::kApplicationData) {
      if (!s.peer_done) {
        if (!deliver(s, pt.content)) {
          fatal(s, kInternalError);
          return false;
        }
        delivered = true;
      }
      continue;
    }
    if (pt.type == tls::ContentType::kAlert) {
      counters_.alerts_received.add();
      if (pt.content.size() != 2) {
        // An alert record holds exactly one alert (RFC 8446 §5.1): an empty one is unexpected_message
        // (§5.4 forbids zero-length fragments of anything but application data), a wrong size undecodable.
        counters_.record_errors.add();
        fatal(s, pt.content.empty() ? kUnexpectedMessage : kDecodeError);
        return false;
      }
      if (pt.content[1] == kCloseNotify) {
        // The client is done sending: the application sees the end once what came before is read.
        s.peer_done = true;
        delivered = true;
        s.records.clear();  // nothing after close_notify counts (RFC 8446 §6.1)
        return true;
      }
      if (s.connection) stack_.abort(*s.connection);  // a fatal alert from the client
      return false;
    }
    if (pt.type == tls::ContentType::kHandshake) {
      const PostHandshake h = handle_post_handshake(s, pt.content);
      if (h == PostHandshake::kClosed) return false;
      if (h == PostHandshake::kKeysChanged) {
        more = true;  // records behind it in this batch used the old keys: opened again next round
        break;
      }
      continue;
    }
    counters_.record_errors.add();  // change_cipher_spec after a TLS 1.2 handshake
    fatal(s, kUnexpectedMessage);
    return false;
  }
  if (at > 0) s.records.erase(s.records.begin(), s.records.begin() + static_cast<std::ptrdiff_t>(at));
  if (s.batch_alert != 0 && !more) {
    counters_.record_errors.add();
    fatal(s, s.batch_alert);
    return false;
  }
  return true;
}

// ---- The application's stream ----

const tcp::ChunkQueue& TlsTerminator::Stream::input() const {
  return session->plain_in;
}

void TlsTerminator::Stream::consume(uint32_t bytes) {
  TlsTerminator& t = *session->owner;
  session->plain_in.consume(t.stack_.chunk_pool(), t.stack_.buffers(), bytes);
  // Room for more plaintext: records held back for it are opened in the next flush.
  if (!session->records.empty() || (session->connection && session->connection->receive_queue.bytes() > 0))
    t.mark(*session);
}

bool TlsTerminator::Stream::input_ended() const {
  return session->peer_done;
}

uint32_t TlsTerminator::Stream::write_space() const {
  if (session->closing || session->app_shutdown) return 0;
  return kPlainOutLimit - std::min(kPlainOutLimit, session->plain_out.bytes());
}

bool TlsTerminator::Stream::write(tcp::PacketRef packet, uint32_t offset, uint32_t length) {
  TlsTerminator& t = *session->owner;
  if (session->closing || session->app_shutdown) return false;
  if (!session->plain_out.append(t.stack_.chunk_pool(), t.stack_.buffers(), packet, offset, length)) {
    t.counters_.no_memory.add();
    return false;
  }
  t.mark(*session);
  return true;
}

void TlsTerminator::Stream::want_writable() {
  session->app_wants_room = true;
}

void TlsTerminator::Stream::shutdown() {
  session->app_shutdown = true;
  session->owner->mark(*session);  // close_notify once what was written is sealed
}

void TlsTerminator::Stream::abort() {
  if (session->connection) session->owner->stack_.abort(*session->connection);  // → client_closed
}

// ---- The client connection ----

void TlsTerminator::tcp_connected(Session& s) {
  start_client_handshake(s);
}

void TlsTerminator::tcp_peer_closed(Session& s) {
  if (s.server_handshake || s.client_handshake || !s.established) {
    if (s.connection) stack_.abort(*s.connection);
    return;
  }
  mark(s);  // finish_session passes the end on once everything before it is opened
}

void TlsTerminator::tcp_writable(Session& s) {
  if (s.reset_when_acked) return reset_if_acknowledged(s);
  mark(s);
}

void TlsTerminator::tcp_closed(Session& s, tcp::CloseReason) {
  s.connection = nullptr;
  end_handshake(s);
  if (StreamEvents* app = s.app) {
    s.app = nullptr;
    s.stream.events = nullptr;
    app->stream_closed();
  }
  maybe_free(s);
}

void TlsTerminator::maybe_free(Session& s) {
  if (!s.in_use || s.connection || s.app) return;
  s.in_use = false;
  if (s.counted_client) limiter_->connection_closed(s.client);
  s.counted_client = false;
  end_handshake(s);
  s.records.clear();
  return_buffer(s);
  s.plain_in.clear(stack_.chunk_pool(), stack_.buffers());
  s.plain_out.clear(stack_.chunk_pool(), stack_.buffers());
  tls::AeadEngine::erase(s.read);
  tls::AeadEngine::erase(s.write);
  --active_;
  sessions_.release(s);
}

size_t TlsTerminator::session_bytes() {
  return sizeof(Session);
}

size_t TlsTerminator::buffers_lent() const {
  size_t n = 0;
  sessions_.for_each_made([&](const Session& s) { n += s.records.capacity() > 0; });
  return n;
}

void TlsTerminator::end_handshake(Session& s) {
  if (!s.server_handshake && !s.client_handshake) return;
  // Counted once the handshake is over, however it ended (done, failed, timed out, connection gone).
  if (s.server_handshake && s.server_handshake->hello_retried()) counters_.hello_retries.add();
  s.server_handshake.reset();
  s.client_handshake.reset();
  // Swap-remove from the list the timeout scan walks.
  Session* last = handshaking_.back();
  handshaking_[s.handshaking_index] = last;
  last->handshaking_index = s.handshaking_index;
  handshaking_.pop_back();
}

// A peer that stalls mid-handshake holds an SSL and a connection: after the handshake timeout it is
// reset and counted. Only sessions still handshaking are walked.
void TlsTerminator::abort_all() {
  sessions_.for_each_made([&](Session& s) {
    if (!s.in_use || !s.connection) return;
    s.closing = true;
    stack_.abort(*s.connection);  // → on_closed → tcp_closed → the application, then the session is freed
  });
}

void TlsTerminator::expire(uint64_t now_us) {
  for (size_t i = 0; i < handshaking_.size();) {
    Session& s = *handshaking_[i];
    if (now_us < s.handshake_deadline_us) {
      ++i;
      continue;
    }
    counters_.handshake_timeouts.add();
    end_handshake(s);  // moves another session into slot i
    s.closing = true;
    if (s.connection) stack_.abort(*s.connection);  // → on_closed → frees the session
  }
}

}  // namespace tollgate::proxy
