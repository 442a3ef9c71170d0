#include "engine/tls/client_handshake.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include "engine/tls/client_context.h"

namespace tollgate::tls {

ClientHandshake::ClientHandshake(const ClientContext& context) : core_(context.context(), /*server=*/false) {
  if (core_.ssl() != nullptr && !context.prepare(core_.ssl())) core_.fail(HandshakeFailure::kOther);
}

HandshakeStatus ClientHandshake::start(std::vector<uint8_t>& out) {
  if (started_) return core_.status();
  started_ = true;
  const HandshakeStatus status = core_.run(out);  // the ClientHello
  return status == HandshakeStatus::kFailed ? core_.fail(classify_failure()) : status;
}

HandshakeStatus ClientHandshake::feed(std::span<const uint8_t> in, std::vector<uint8_t>& out) {
  started_ = true;
  if (!core_.accept_input(in)) return core_.status();
  // Our next flight (TLS 1.3: Finished once the server's flight verified), or the alert.
  const HandshakeStatus status = core_.run(out);
  return status == HandshakeStatus::kFailed ? core_.fail(classify_failure()) : status;
}

HandshakeFailure ClientHandshake::classify_failure() {
  // A failed verification ends the handshake with SSL_R_CERTIFICATE_VERIFY_FAILED; the X509 error says
  // whether the chain or the name was wrong.
  verify_result_ = SSL_get_verify_result(core_.ssl());
  switch (verify_result_) {
    case X509_V_OK:
      break;
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      return HandshakeFailure::kCertificateNameMismatch;
    default:
      return HandshakeFailure::kBadCertificate;
  }
  // The target's refusals arrive as alerts (RFC 8446 §6.2): named like the ones a listener sends.
  const unsigned long e = ERR_peek_error();
  if (e != 0 && ERR_GET_LIB(e) == ERR_LIB_SSL) {
    switch (ERR_GET_REASON(e)) {
      case SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE:
      case SSL_R_TLSV1_ALERT_INSUFFICIENT_SECURITY:
        return HandshakeFailure::kNoSharedCipher;
      case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
        return HandshakeFailure::kUnsupportedVersion;
      case SSL_R_TLSV1_ALERT_NO_APPLICATION_PROTOCOL:
        return HandshakeFailure::kNoApplicationProtocol;
      default:
        break;
    }
  }
  return classify_ssl_error();
}

bool ClientHandshake::take_keys(const KeyInstaller& installer, TrafficKeys& read, TrafficKeys& write,
                                TrafficSecrets& secrets, std::vector<uint8_t>& leftover) {
  if (!core_.hand_over(installer, read, write, secrets, leftover)) return false;
  // See the header: TLS 1.3, nothing protected under the application keys yet; TLS 1.2, our Finished in
  // one record and the target's in as many as it cut it into.
  const bool tls13 = version() == TlsVersion::kTls13;
  read.sequence = tls13 ? 0 : core_.callbacks().peer_protected_records;  // its Finished, however cut
  write.sequence = tls13 ? 0 : 1;
  read.record_size_limit = 0;  // no record_size_limit sent, none received
  write.record_size_limit = 0;
  return true;
}

}  // namespace tollgate::tls
