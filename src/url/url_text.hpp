#pragma once
// Text helpers shared by the URL parser, its formatter and the option table.
// Private to src/url/. Thread safety: pure functions.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "polyport/result.hpp"

namespace polyport::detail {

// Whitespace allowed around URLs, parameters and values.
bool is_space(char c);
std::string_view trim(std::string_view text);
std::string to_lower(std::string_view text);
bool equals_ignoring_case(std::string_view a, std::string_view b);

// Position of the first character of `chars` outside "..." (where \x escapes x), or npos.
std::size_t find_unquoted(std::string_view text, std::string_view chars, std::size_t from = 0);

// The pieces of `text` between unquoted `separator`s (an empty text gives one empty piece).
std::vector<std::string_view> split_unquoted(std::string_view text, char separator);

// The text for an error message, cut short so a 64 KiB input does not make a 64 KiB message.
std::string excerpt(std::string_view text);

// `invalid URL "<text>": <what>`
error url_error(std::string_view text, std::string_view what);

}  // namespace polyport::detail
