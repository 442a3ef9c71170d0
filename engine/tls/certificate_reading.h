// What ServerContext and the control plane's certificate checks both read from PEM files: the file itself,
// with an error that names it, and a leaf's subjectAltName DNS names, by which SNI finds it.
#pragma once

#include <openssl/types.h>

#include <string>
#include <vector>

#include "engine/tls/openssl_ptr.h"

namespace tollgate::tls {

// The file opened for reading, or null with `error` = "<path>: cannot open: <reason>".
BioPtr open_pem_file(const std::string& path, std::string& error);

// The certificate's subjectAltName DNS names, lowercase, sorted, without duplicates; empty when it has none.
std::vector<std::string> dns_names(X509* certificate);

}  // namespace tollgate::tls
