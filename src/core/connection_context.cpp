#include "core/connection_context.hpp"

namespace polyport::detail {

std::shared_ptr<connection_context> make_connection_context(const route_plan& route, std::shared_ptr<void> user_data,
                                                            std::shared_ptr<stats_sink> own_stats,
                                                            std::shared_ptr<stats_sink> total_stats, bool outbound) {
  auto context = std::make_shared<connection_context>();
  context->scheme = route.scheme;
  context->transport = route.transport;
  context->protocol = route.handler;
  context->framer = route.handler->make_framer(route.opts);
  context->max_frame = route.opts.max_frame.value_or(default_max_frame);
  context->idle_timeout = route.idle_timeout();
  context->metadata = std::make_shared<const metadata>(route.opts.metadata);
  context->user_data = std::move(user_data);
  context->own_stats = std::move(own_stats);
  context->total_stats = std::move(total_stats);
  context->outbound = outbound;
  context->rate_limit = byte_rate_limit_from(route.opts.rate_limit, route.opts.rate_limit_burst);
  context->send_timeout = route.send_timeout();
  return context;
}

}  // namespace polyport::detail
