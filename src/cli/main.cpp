// polyport: serve built-in protocols from URLs, and send to them.

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"polyport: a generic transport layer. Serve built-in protocols from URLs, or send to them."};
  app.require_subcommand(1);

  polyport::cli::serve_arguments serve;
  auto* serve_command = app.add_subcommand(
      "serve", "Start listeners (built-in schemes: echo, stun). With no URL, a demo set on loopback.");
  serve_command->add_option("--workers", serve.workers, "worker threads (default: one per core)");
  serve_command->add_option("--admin", serve.admin_path,
                            "a Unix socket path for statistics and control (see: polyport admin)");
  serve_command->add_option("--dns", serve.dns, "DNS server IP:PORT for listener names (default: /etc/resolv.conf)");
  serve_command->add_option("urls", serve.urls, "listener URLs, e.g. \"echo://127.0.0.1:0;transport=tcp\"");

  polyport::cli::send_arguments send;
  auto* send_command = app.add_subcommand("send", "Connect, send DATA, print the first reply.");
  send_command->add_option("--timeout", send.timeout_ms, "milliseconds to wait for the connection and the reply")
      ->default_val(5000);
  send_command->add_option("--dns", send.dns, "DNS server IP:PORT (default: /etc/resolv.conf)");
  send_command->add_option("url", send.url, "destination URL")->required();
  send_command->add_option("data", send.data, "bytes to send")->required();

  polyport::cli::fetch_arguments fetch;
  auto* fetch_command = app.add_subcommand(
      "fetch", "One HTTP/1.1 request to an http:// or https:// URL; prints the body (exit 1 for 4xx/5xx).");
  fetch_command->add_option("--timeout", fetch.timeout_ms, "milliseconds for the connection, and for the response")
      ->default_val(30000);
  fetch_command->add_option("--dns", fetch.dns, "DNS server IP:PORT (default: /etc/resolv.conf)");
  fetch_command->add_option("-X,--request", fetch.method, "the method (default GET, or POST with -d)");
  fetch_command->add_option("-d,--data", fetch.data, "the request body");
  fetch_command->add_option("-H,--header", fetch.headers, "a request header, \"Name: value\" (repeatable)");
  fetch_command->add_flag("-i,--include", fetch.include_head, "print the status line and headers first");
  fetch_command->add_option("url", fetch.url, "e.g. \"https://127.0.0.1:8443/;tls_verify=false\"")->required();

  polyport::cli::resolve_arguments resolve;
  auto* resolve_command = app.add_subcommand(
      "resolve", "Print where a URL leads (NAPTR, SRV, A/AAAA), one \"<transport> <ip>:<port>\" per line, in order.");
  resolve_command->add_option("--timeout", resolve.timeout_ms, "milliseconds to wait for the answers")->default_val(5000);
  resolve_command->add_option("--dns", resolve.dns, "DNS server IP:PORT (default: /etc/resolv.conf)");
  resolve_command->add_option("url", resolve.url, "URL, e.g. \"echo://example.com\"")->required();

  polyport::cli::admin_arguments admin;
  auto* admin_command = app.add_subcommand(
      "admin", "Ask a running `polyport serve --admin PATH`: listeners, stats, suspend N, resume N, drain N MS, "
               "max_connections N LIMIT, allow N CIDR, deny N CIDR, rules N, update N PARAMS, stun N HOST[:PORT]...");
  admin_command->add_option("--timeout", admin.timeout_ms, "milliseconds to wait for the answer")->default_val(5000);
  admin_command->add_option("path", admin.path, "the server's admin socket")->required();
  admin_command->add_option("command", admin.command, "the command and its arguments")->required();

  polyport::cli::stun_arguments stun;
  auto* stun_command =
      app.add_subcommand("stun", "Ask a STUN server for this host's mapped UDP address; prints `mapped IP:PORT`.");
  stun_command
      ->add_option("--rto", stun.rto_ms, "first retransmission interval in ms, doubled each time (RFC 8489 RTO)")
      ->default_val(500)
      ->check(CLI::Range(1U, 60000U));
  stun_command->add_option("--sends", stun.max_sends, "requests sent before giving up (RFC 8489 Rc)")
      ->default_val(7)
      ->check(CLI::Range(1U, 16U));
  stun_command->add_option("server", stun.server, "HOST[:PORT]: an IP address or localhost; port 3478 by default")
      ->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& failure) {
    int code = app.exit(failure);
    return code == 0 ? 0 : polyport::cli::exit_usage;
  }
  if (serve_command->parsed()) {
    return polyport::cli::run_serve(serve);
  }
  if (stun_command->parsed()) {
    return polyport::cli::run_stun(stun);
  }
  if (resolve_command->parsed()) {
    return polyport::cli::run_resolve(resolve);
  }
  if (fetch_command->parsed()) {
    return polyport::cli::run_fetch(fetch);
  }
  if (admin_command->parsed()) {
    return polyport::cli::run_admin(admin);
  }
  return polyport::cli::run_send(send);
}
