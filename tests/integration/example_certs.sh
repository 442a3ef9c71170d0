# shellcheck shell=bash
# make_example_certs DIR: a throwaway PKI with every certificate deploy/examples/ names under
# /etc/tollgate/certs/ (sourced by the examples' tests). The lab's CA and intermediate (scripts/lab/make-certs.sh;
# clients trust DIR/ca.pem), leaves for the examples' names signed by the intermediate (chain = leaf +
# intermediate, as public ones are), and backend-ca.pem, the CA of backend-tls.toml's backends.
make_example_certs() {
  local dir=$1 csr
  "$ROOT/scripts/lab/make-certs.sh" "$dir" >/dev/null 2>&1 || fail "make-certs.sh $dir failed"
  csr=$(mktemp -d)
  example_leaf() {  # STEM ec|rsa SAN
    local stem=$1 alg=$2 san=$3
    if [ "$alg" = rsa ]; then
      openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$dir/$stem.key"
    else
      openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/$stem.key"
    fi
    openssl req -new -key "$dir/$stem.key" -subj "/CN=${san#DNS:}" -out "$csr/$stem.csr" 2>/dev/null
    printf 'basicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' "$san" >"$csr/$stem.ext"
    openssl x509 -req -in "$csr/$stem.csr" -CA "$dir/intermediate.pem" -CAkey "$dir/intermediate.key" \
      -set_serial "0x$(openssl rand -hex 16)" -days 365 -extfile "$csr/$stem.ext" -out "$dir/$stem.pem" 2>/dev/null
    cat "$dir/$stem.pem" "$dir/intermediate.pem" >"$dir/$stem-chain.pem"
  }
  example_leaf www.example.com ec "DNS:www.example.com,DNS:example.com"
  example_leaf www.example.com-rsa rsa "DNS:www.example.com,DNS:example.com"
  example_leaf wildcard.example.net ec "DNS:*.example.net"
  example_leaf shop.example.org ec "DNS:shop.example.org"
  cp "$dir/ca.pem" "$dir/backend-ca.pem"
  rm -rf "$csr"
}
