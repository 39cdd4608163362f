// Client sockets to a server on 127.0.0.1.
#pragma once

#include <chrono>

namespace bench {

// A blocking, TCP_NODELAY socket connected to 127.0.0.1:port; reads, writes and the connect
// itself give up after `timeout`. Throws std::runtime_error on failure.
int connect_loopback(int port, std::chrono::milliseconds timeout);

// Raises the soft open-file limit to the hard one: the idle-connection benchmark holds thousands.
void raise_open_file_limit();

}  // namespace bench
