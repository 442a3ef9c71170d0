// A connection's plaintext as a byte stream, whatever carries it: a TCP connection itself (TcpStream), or
// a TLS connection whose records the TLS layer opens and seals (TlsTerminator's streams, towards clients
// and towards targets alike). The proxies read, write and close through this and never see records or
// segments, so the same HTTP code serves plain and TLS clients, and plain and TLS targets.
#pragma once

#include <cstdint>

#include "engine/net/addresses.h"
#include "engine/tcp/chunk_queue.h"

namespace tollgate::proxy {

// What the stream tells its user.
class StreamEvents {
 public:
  virtual ~StreamEvents() = default;
  // A stream we opened is ready for bytes: TCP established, or the TLS handshake done and verified.
  virtual void stream_connected() {}
  virtual void stream_data() = 0;      // more input, or the input ended (input_ended())
  virtual void stream_writable() = 0;  // room returned after want_writable()
  virtual void stream_closed() = 0;    // the stream is gone: no further calls either way
};

// What the access log says about a stream's TLS connection (all zero / empty for plaintext).
struct StreamTls {
  uint16_t version = 0;  // wire value: 0x0303 TLS 1.2, 0x0304 TLS 1.3
  uint16_t cipher = 0;   // IANA code point
  char sni[64] = {};     // the server name the client asked for, cut to fit
  uint8_t sni_length = 0;
};

class PlainStream {
 public:
  virtual ~PlainStream() = default;
  StreamEvents* events = nullptr;
  net::Ipv4Address peer;  // the other end (a client: X-Forwarded-For and logs; or a target)
  uint16_t peer_port = 0;
  // The TLS connection's facts, owned by the TLS layer; nullptr for plaintext (which then pays no bytes
  // for them: idle connections are budgeted).
  const StreamTls* tls = nullptr;

  // Plaintext received and not consumed yet; consume() releases its front.
  virtual const tcp::ChunkQueue& input() const = 0;
  virtual void consume(uint32_t bytes) = 0;
  // The peer sends nothing more (FIN, or TLS close_notify).
  virtual bool input_ended() const = 0;
  // Plaintext the stream takes now; write() holds its own reference to `packet`.
  virtual uint32_t write_space() const = 0;
  virtual bool write(tcp::PacketRef packet, uint32_t offset, uint32_t length) = 0;
  virtual void want_writable() = 0;
  // Ends our side after everything written (FIN, or close_notify and FIN); abort() resets now.
  virtual void shutdown() = 0;
  virtual void abort() = 0;
};

// What runs over client streams that another layer carries (TLS): the L4 forwarder or the HTTP proxy.
class StreamApplication {
 public:
  virtual ~StreamApplication() = default;
  // A new client stream; the returned receiver gets its events. nullptr: no room (the client is reset).
  virtual StreamEvents* attach(PlainStream& down) = 0;
};

}  // namespace tollgate::proxy
