#include "support/file_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <stdexcept>

namespace hurdle::test {

namespace fs = std::filesystem;

struct FileServer::Tls {
  SSL_CTX* ctx = nullptr;
  ~Tls() { SSL_CTX_free(ctx); }
};

namespace {

// A key and a self-signed certificate for 127.0.0.1 (as a SAN IP address, which is what
// clients check for an address), written as PEM for the client to trust.
SSL_CTX* make_tls_context(const fs::path& certificate_file) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, cert, cert, nullptr, nullptr, 0);
  for (const auto& [nid, value] : {std::pair{NID_subject_alt_name, "IP:127.0.0.1"},
                                   std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, value);
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
  }
  X509_sign(cert, key, EVP_sha256());
  FILE* f = std::fopen(certificate_file.c_str(), "w");
  PEM_write_X509(f, cert);
  std::fclose(f);
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  SSL_CTX_use_certificate(ctx, cert);
  SSL_CTX_use_PrivateKey(ctx, key);
  X509_free(cert);
  EVP_PKEY_free(key);
  return ctx;
}

// Reads and writes over a plain socket or a TLS session alike.
class Stream {
 public:
  Stream(int fd, SSL* ssl) : fd_(fd), ssl_(ssl) {}
  ssize_t read(char* buf, std::size_t n) {
    return ssl_ != nullptr ? SSL_read(ssl_, buf, static_cast<int>(n)) : ::read(fd_, buf, n);
  }
  bool write(const char* data, std::size_t n) {
    while (n > 0) {
      const ssize_t w = ssl_ != nullptr ? SSL_write(ssl_, data, static_cast<int>(n))
                                        : ::send(fd_, data, n, MSG_NOSIGNAL);
      if (w <= 0) return false;
      data += w;
      n -= static_cast<std::size_t>(w);
    }
    return true;
  }

 private:
  int fd_;
  SSL* ssl_;
};

}  // namespace

FileServer::FileServer(fs::path root, Protocol protocol)
    : root_(std::move(root)), protocol_(protocol) {
  if (protocol_ == Protocol::kHttps) {
    ca_file_ = root_.parent_path() / ("file-server-ca-" + std::to_string(::getpid()) + ".pem");
    tls_ = new Tls;
    tls_->ctx = make_tls_context(ca_file_);
  }
  acceptor_ = std::thread([this] { accept_loop(); });
}

FileServer::~FileServer() {
  listener_.stop();
  acceptor_.join();
  for (auto& t : connections_) t.join();
  delete tls_;
  if (!ca_file_.empty()) {
    std::error_code ec;
    fs::remove(ca_file_, ec);
  }
}

std::string FileServer::url(const std::string& name) const {
  return std::string(protocol_ == Protocol::kHttps ? "https" : "http") +
         "://127.0.0.1:" + std::to_string(listener_.port()) + "/" + name;
}

void FileServer::drop_after(const std::string& name, std::uint64_t bytes, int times) {
  std::lock_guard lock(mutex_);
  drops_[name] = {bytes, times};
}

FileServer::Served FileServer::served(const std::string& name) const {
  std::lock_guard lock(mutex_);
  const auto it = served_.find(name);
  return it == served_.end() ? Served{} : it->second;
}

void FileServer::accept_loop() {
  while (auto client = listener_.next_client()) {
    std::lock_guard lock(mutex_);
    connections_.emplace_back([this, c = std::move(*client)]() mutable { handle(std::move(c)); });
  }
}

void FileServer::handle(UniqueFd client) {
  SSL* ssl = nullptr;
  if (tls_ != nullptr) {
    ssl = SSL_new(tls_->ctx);
    SSL_set_fd(ssl, client.get());
    if (SSL_accept(ssl) != 1) {
      SSL_free(ssl);
      return;
    }
  }
  Stream io(client.get(), ssl);
  const auto done = [&] {
    if (ssl != nullptr) {
      SSL_shutdown(ssl);
      SSL_free(ssl);
    }
  };
  std::string request;
  char buf[4096];
  while (request.find("\r\n\r\n") == std::string::npos && request.size() < 16384) {
    const ssize_t n = io.read(buf, sizeof buf);
    if (n <= 0) return done();
    request.append(buf, static_cast<std::size_t>(n));
  }
  const auto start = request.find(' ') + 1;
  std::string name = request.substr(start, request.find(' ', start) - start);
  if (!name.empty() && name.front() == '/') name.erase(0, 1);
  std::uint64_t from = 0;
  bool ranged = false;
  if (const auto r = request.find("\r\nRange: bytes="); r != std::string::npos) {
    ranged = true;
    from = std::stoull(request.substr(r + 15));
  }
  std::uint64_t drop_at = UINT64_MAX;
  {
    std::lock_guard lock(mutex_);
    auto& s = served_[name];
    ++s.requests;
    if (ranged) ++s.range_requests;
    if (auto d = drops_.find(name); d != drops_.end() && d->second.second > 0) {
      drop_at = d->second.first;
      --d->second.second;
    }
  }
  const fs::path file = root_ / name;
  std::error_code ec;
  if (name.empty() || name.find("..") != std::string::npos || name.front() == '/' ||
      !fs::is_regular_file(file, ec)) {
    const std::string reply =
        "HTTP/1.1 404 Not Found\r\nContent-Length: 10\r\nConnection: close\r\n\r\nnot found\n";
    io.write(reply.data(), reply.size());
    return done();
  }
  const std::uint64_t size = fs::file_size(file);
  if (ranged && from >= size) {
    const std::string reply = "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */" +
                              std::to_string(size) +
                              "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    io.write(reply.data(), reply.size());
    return done();
  }
  std::string head = ranged ? "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes " +
                                  std::to_string(from) + "-" + std::to_string(size - 1) + "/" +
                                  std::to_string(size) + "\r\n"
                            : std::string("HTTP/1.1 200 OK\r\n");
  head += "Content-Length: " + std::to_string(size - from) +
          "\r\nAccept-Ranges: bytes\r\nConnection: close\r\n\r\n";
  if (!io.write(head.data(), head.size())) return done();
  std::ifstream in(file, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(from));
  std::vector<char> chunk(64 * 1024);
  std::uint64_t sent = 0;
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    std::size_t n = static_cast<std::size_t>(in.gcount());
    if (n == 0) break;
    if (sent + n > drop_at) n = static_cast<std::size_t>(drop_at - sent);
    if (n > 0 && !io.write(chunk.data(), n)) break;
    sent += n;
    {
      std::lock_guard lock(mutex_);
      served_[name].body_bytes += n;
    }
    if (sent >= drop_at) {
      // Cut off: close without TLS close_notify, as a dropped connection would.
      if (ssl != nullptr) SSL_free(ssl);
      return;
    }
    if (pace_ms_ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(pace_ms_.load()));
  }
  done();
}

}  // namespace hurdle::test
