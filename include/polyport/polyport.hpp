#pragma once
// Everything a protocol author needs, in one include.

#include "polyport/connection.hpp"
#include "polyport/echo_protocol.hpp"
#include "polyport/endpoint.hpp"
#include "polyport/framer.hpp"
#include "polyport/http.hpp"
#include "polyport/http_hello_protocol.hpp"
#include "polyport/listener.hpp"
#include "polyport/options.hpp"
#include "polyport/protocol.hpp"
#include "polyport/result.hpp"
#include "polyport/runtime.hpp"
#include "polyport/static_files.hpp"
#include "polyport/stats.hpp"
#include "polyport/url.hpp"
