#pragma once
// Static files for on_http: serves files under a root directory with ETag, Last-Modified and
// single byte ranges (RFC 9110 §8.8, §14). A directory is its index.html or 403; a path with a
// `..` segment is 400; nothing outside the root is served, also through symbolic links (404).
// Files (or ranges) over 256 KiB are streamed from disk in 64 KiB pieces (body_source with a
// known length); smaller ones are read whole into the response.
// Thread safety: a free function; touches only the file system and its arguments.

#include <filesystem>

#include "polyport/http.hpp"

namespace polyport {

void serve_static(const std::filesystem::path& root, const http_request& request, http_response& response);

}  // namespace polyport
