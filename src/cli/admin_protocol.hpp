#pragma once
// The admin endpoint of `polyport serve --admin PATH`: a Unix socket that answers one command
// per line with lines of text and a final "." line. `polyport admin PATH COMMAND...` is its
// client. Commands (N is a listener's id, from `listeners`: it stays the same while others stop):
//   listeners                      one line per listener: "N <scheme> <transport> <address> <state>"
//   stats                          one line per listener, then "total": counters and closes by reason
//   suspend N | resume N           stop accepting (connections stay) / listen again
//   drain N MS                     stop accepting, wait up to MS for connections, close the rest
//   max_connections N LIMIT        change the limit
//   allow N CIDR | deny N CIDR     put a rule first in the listener's access rules
//   rules N                        the listener's access rules, in order
//   update N PARAMS                live option update ("k=v;k=v")
//   stun N HOST[:PORT]...          "mapped <ip>:<port>": a UDP listener's address as STUN
//                                  servers see it, asked from its own socket (3 sends, 3.5 s)
// Errors answer "error: <why>". Commands run off the workers: drain waits for connections.

#include <memory>

#include "polyport/protocol.hpp"
#include "polyport/runtime.hpp"

namespace polyport::cli {

std::shared_ptr<protocol> make_admin_protocol(runtime& served);

}  // namespace polyport::cli
