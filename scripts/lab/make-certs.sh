#!/usr/bin/env bash
# Create the Tollgate lab PKI in DIR: one CA, two front-end leaves (ECDSA and
# RSA, so both signature families get exercised) and one backend leaf.
#
# Usage: scripts/lab/make-certs.sh DIR
#
# Idempotent: if every output already exists we do nothing, so lab scripts can
# call this unconditionally without invalidating certs a running test trusts.
set -euo pipefail

if [[ $# -ne 1 ]]; then
    echo "usage: $0 DIR" >&2
    exit 2
fi
dir=$1

files=(ca.pem ca.key intermediate.pem intermediate.key
       lab-ecdsa.pem lab-ecdsa.key lab-ecdsa-chain.pem
       lab-rsa.pem lab-rsa.key lab-rsa-chain.pem
       backend.pem backend.key)

have_all() {
    local f
    for f in "${files[@]}"; do
        [[ -s "$dir/$f" ]] || return 1
    done
}

if [[ -e "$dir/ca.pem" ]] && have_all; then
    echo "make-certs: $dir already complete, skipping"
    exit 0
fi

mkdir -p "$dir"
# Private keys must never be world-readable, even briefly between creation
# and chmod, so restrict the umask for everything we write.
umask 077
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

new_ec_key() { openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }
new_rsa_key() { openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1"; }

# A partial earlier run leaves us unable to trust what is there, so rebuild
# everything, CA included, from scratch.
new_ec_key "$dir/ca.key"
openssl req -x509 -new -key "$dir/ca.key" -sha256 -days 3650 \
    -subj "/CN=Tollgate Lab CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" \
    -out "$dir/ca.pem"

# The listeners' certificates come from an intermediate, as public ones do: the chain a listener serves
# is leaf + intermediate, and clients trust only the root (ca.pem), which is never sent.
new_ec_key "$dir/intermediate.key"
cat >"$work/intermediate.ext" <<EOF
basicConstraints=critical,CA:TRUE,pathlen:0
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
EOF
openssl req -new -key "$dir/intermediate.key" -subj "/CN=Tollgate Lab Intermediate CA" \
    -out "$work/intermediate.csr"
openssl x509 -req -in "$work/intermediate.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
    -set_serial "0x$(openssl rand -hex 16)" -sha256 -days 1825 \
    -extfile "$work/intermediate.ext" -out "$dir/intermediate.pem"

# sign_leaf ISSUER NAME CN SAN DAYS KU: CSR from NAME.key, signed by ISSUER (ca or intermediate) into
# NAME.pem. KU differs by key type: only RSA keys can do key encipherment.
sign_leaf() {
    local issuer=$1
    shift
    local name=$1 cn=$2 san=$3 days=$4 ku=$5
    cat >"$work/$name.ext" <<EOF
basicConstraints=critical,CA:FALSE
keyUsage=critical,$ku
extendedKeyUsage=serverAuth
subjectAltName=$san
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
EOF
    openssl req -new -key "$dir/$name.key" -subj "/CN=$cn" -out "$work/$name.csr"
    # Random serials avoid a serial file and keep reissued certs distinct.
    openssl x509 -req -in "$work/$name.csr" -CA "$dir/$issuer.pem" -CAkey "$dir/$issuer.key" \
        -set_serial "0x$(openssl rand -hex 16)" -sha256 -days "$days" \
        -extfile "$work/$name.ext" -out "$dir/$name.pem"
}

front_san="DNS:lab.tollgate.test,DNS:*.lab.tollgate.test"

new_ec_key "$dir/lab-ecdsa.key"
sign_leaf intermediate lab-ecdsa lab.tollgate.test "$front_san" 825 digitalSignature

new_rsa_key "$dir/lab-rsa.key"
sign_leaf intermediate lab-rsa lab.tollgate.test "$front_san" 825 digitalSignature,keyEncipherment

new_ec_key "$dir/backend.key"
sign_leaf ca backend backend.lab.tollgate.test \
    "DNS:backend.lab.tollgate.test,IP:198.19.0.11,IP:198.19.0.12,IP:198.19.0.13" 825 \
    digitalSignature

# Chains are what the load balancer serves: leaf first, then its issuer (not the root).
cat "$dir/lab-ecdsa.pem" "$dir/intermediate.pem" >"$dir/lab-ecdsa-chain.pem"
cat "$dir/lab-rsa.pem" "$dir/intermediate.pem" >"$dir/lab-rsa-chain.pem"

chmod 0600 "$dir"/*.key
chmod 0644 "$dir"/*.pem

for leaf in lab-ecdsa lab-rsa backend; do
    openssl verify -CAfile "$dir/ca.pem" -untrusted "$dir/intermediate.pem" -purpose sslserver "$dir/$leaf.pem"
done
echo "make-certs: wrote lab PKI to $dir"
