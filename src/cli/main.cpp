// polyport: serve built-in protocols from URLs, and send to them.

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"polyport: a generic transport layer. Serve built-in protocols from URLs, or send to them."};
  app.require_subcommand(1);

  polyport::cli::serve_arguments serve;
  auto* serve_command = app.add_subcommand(
      "serve", "Start listeners (built-in scheme: echo). With no URL, a demo set on loopback.");
  serve_command->add_option("--workers", serve.workers, "worker threads (default: one per core)");
  serve_command->add_option("urls", serve.urls, "listener URLs, e.g. \"echo://127.0.0.1:0;transport=tcp\"");

  polyport::cli::send_arguments send;
  auto* send_command = app.add_subcommand("send", "Connect, send DATA, print the first reply.");
  send_command->add_option("--timeout", send.timeout_ms, "milliseconds to wait for the connection and the reply")
      ->default_val(5000);
  send_command->add_option("url", send.url, "destination URL")->required();
  send_command->add_option("data", send.data, "bytes to send")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& failure) {
    int code = app.exit(failure);
    return code == 0 ? 0 : polyport::cli::exit_usage;
  }
  if (serve_command->parsed()) {
    return polyport::cli::run_serve(serve);
  }
  return polyport::cli::run_send(send);
}
