// TLS client connections for the CLI: dial an https:// endpoint verified against its CA and host
// name or IP, and, for the upgraded protocols (exec/attach WebSocket, SPDY port-forward), relay the
// TLS stream to a local socket so that their poll/send/recv code runs unchanged on a plain fd.
#pragma once

#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>

#include "base/result.h"
#include "cli/endpoint.h"
#include "sys/unique_fd.h"

namespace peapod::cli {

using TlsStream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;

// A handshaken TLS connection; members in destruction order (stream before its context and io).
struct TlsConnection {
  std::unique_ptr<boost::asio::io_context> io;
  std::unique_ptr<boost::asio::ssl::context> ctx;
  std::unique_ptr<TlsStream> stream;
  std::string hostport;  // for the Host header
};

// "https://HOST[:PORT]" -> host and port (443 when absent); IPv6 literals in brackets.
Result<std::pair<std::string, std::string>> splitHostPort(const std::string& server, const std::string& defaultPort);

// Connects and handshakes; the certificate must chain to ep.caPem (or the system CAs) and name
// the host (DNS name or IP SAN), unless ep.insecure.
Result<TlsConnection> dialTls(const Endpoint& ep);

// Hands `conn` to a background thread relaying bytes both ways between it and one end of a
// socketpair, whose other end is returned. Closing that end closes the TLS connection.
Result<sys::UniqueFd> relayTls(TlsConnection conn);

}  // namespace peapod::cli
