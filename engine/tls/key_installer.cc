#include "engine/tls/key_installer.h"

#include <openssl/crypto.h>

namespace tollgate::tls {

void KeyInstaller::erase(TrafficKeys& keys) {
  OPENSSL_cleanse(keys.material.data(), keys.material.size());
  OPENSSL_cleanse(keys.iv.data(), keys.iv.size());
  keys.installed = false;
}

}  // namespace tollgate::tls
