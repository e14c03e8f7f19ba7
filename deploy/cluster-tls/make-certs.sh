#!/bin/sh
# Makes what cluster.tls needs with openssl: a CA for image-sync's replicas (once) and, for each name given, a
# certificate signed by it, for TLS servers and clients alike (each replica is both), valid for 365 days.
#
#   deploy/cluster-tls/make-certs.sh DIR NAME...
#
# NAME is how the other replicas reach that replica (a DNS name or an IP address): it becomes the certificate's
# common name and subject alternative name. The files, in DIR: ca.crt (every replica's cluster.tls.ca), ca.key
# (keep it off the replicas: whoever holds it can make a replica), and NAME.crt with NAME.key (that replica's
# cluster.tls.certificate and cluster.tls.key). Run it again with new names to add replicas under the same CA;
# an existing ca.key is reused, never replaced.
set -eu
[ $# -ge 2 ] || { echo "usage: $0 DIR NAME..." >&2; exit 2; }
dir=$1
shift
umask 077
mkdir -p "$dir"
if [ ! -f "$dir/ca.key" ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$dir/ca.key" -out "$dir/ca.crt" \
    -days 3650 -subj "/CN=image-sync replicas CA" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
fi
for name in "$@"; do
  case $name in
    *[!0-9.]*) san="DNS:$name" ;;
    *) san="IP:$name" ;;
  esac
  printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
    "extendedKeyUsage=serverAuth,clientAuth" "subjectAltName=$san" > "$dir/$name.ext"
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$dir/$name.key" -out "$dir/$name.csr" -subj "/CN=$name" 2>/dev/null
  openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -set_serial "0x$(openssl rand -hex 16)" \
    -days 365 -extfile "$dir/$name.ext" -out "$dir/$name.crt" 2>/dev/null
  rm -f "$dir/$name.csr" "$dir/$name.ext"
  echo "$dir/$name.crt and $dir/$name.key: $name, signed by $dir/ca.crt"
done
# The certificates are public; the keys stay readable by their owner alone (umask 077).
chmod 0644 "$dir/ca.crt"
for name in "$@"; do chmod 0644 "$dir/$name.crt"; done
